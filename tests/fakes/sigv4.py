#!/usr/bin/python3
"""AWS Signature Version 4 verification for the test fakes (stdlib only).

verify() checks an incoming request's Authorization header the way AWS does:
canonical request, string to sign, HMAC chain, scope and clock skew. It is a
test helper, not a signer for product code. Run with --selftest to check it
against AWS's published test-suite signatures.
"""

import datetime
import hashlib
import hmac
import re
import sys
import urllib.parse

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = datetime.timedelta(minutes=15)
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,"
    r"\s*Signature=([0-9a-f]{64})\s*$")


def _uri_encode(s, safe):
    """RFC 3986 percent-encoding: unreserved characters and `safe` stay."""
    return urllib.parse.quote(s, safe=safe + "-_.~")


def canonical_path(raw_path, service):
    """The canonical URI. S3 encodes the decoded path once and keeps it as
    is; every other service normalises it and encodes the (already encoded)
    path a second time."""
    path = raw_path or "/"
    if service == "s3":
        return _uri_encode(urllib.parse.unquote(path), "/")
    segs = []
    for seg in path.split("/"):
        if seg == "..":
            if segs:
                segs.pop()
        elif seg not in (".", ""):
            segs.append(seg)
    norm = "/" + "/".join(segs)
    if path.endswith("/") and norm != "/":
        norm += "/"
    return _uri_encode(norm, "/")


def canonical_query(raw_query):
    """Pairs decoded, re-encoded with RFC 3986 rules, sorted by key then value."""
    pairs = []
    if raw_query:
        for part in raw_query.split("&"):
            if part == "":
                continue
            k, _, v = part.partition("=")
            pairs.append((_uri_encode(urllib.parse.unquote(k), ""),
                          _uri_encode(urllib.parse.unquote(v), "")))
    pairs.sort()
    return "&".join(k + "=" + v for k, v in pairs)


def _header_values(headers, name):
    """All values of header `name` from a dict-like (case-insensitive)."""
    if hasattr(headers, "get_all"):
        got = headers.get_all(name)
        return list(got) if got else []
    out = []
    for k, v in headers.items():
        if k.lower() == name:
            out.extend(v if isinstance(v, (list, tuple)) else [v])
    return out


def _trim(v):
    return " ".join(str(v).strip().split())


def canonical_request(method, raw_path_with_query, headers, signed, payload_hash, service):
    path, _, query = raw_path_with_query.partition("?")
    lines = [method.upper(), canonical_path(path, service), canonical_query(query)]
    for name in signed:
        lines.append(name + ":" + ",".join(_trim(v) for v in _header_values(headers, name)))
    lines.append("")
    lines.append(";".join(signed))
    lines.append(payload_hash)
    return "\n".join(lines)


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signature(secret, date, region, service, amz_date, creq):
    """Hex signature of a canonical request (the HMAC chain of the docs)."""
    scope = "/".join([date, region, service, "aws4_request"])
    sts = "\n".join([ALGORITHM, amz_date, scope,
                     hashlib.sha256(creq.encode("utf-8")).hexdigest()])
    k = _hmac(("AWS4" + secret).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    k = _hmac(k, "aws4_request")
    return hmac.new(k, sts.encode("utf-8"), hashlib.sha256).hexdigest()


def error_code(reason):
    """The AWS error code a verify() reason starts with ("SignatureDoesNotMatch")."""
    return reason.split(":", 1)[0]


def verify(method, raw_path_with_query, headers, body, keys, region, service, now=None):
    """Check the request's SigV4 Authorization header.

    keys: access key id -> secret, or -> {"secret": s, "token": t} for
    temporary credentials (then x-amz-security-token must equal t).
    now: a datetime (UTC) for the skew check; None = the real clock, False =
    no check (for fixed test vectors).
    Returns (True, "ok") or (False, "<AwsErrorCode>: why").
    """
    body = body or b""
    auths = _header_values(headers, "authorization")
    if not auths:
        return False, "MissingAuthenticationToken: no Authorization header"
    m = _AUTH_RE.match(auths[0].strip())
    if not m:
        return False, "IncompleteSignature: malformed Authorization header: %r" % auths[0][:120]
    cred, signed_s, sig = m.groups()
    parts = cred.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        return False, "IncompleteSignature: bad Credential scope %r" % cred
    akid, date, c_region, c_service, _ = parts
    if akid not in keys:
        return False, "InvalidClientTokenId: unknown access key %s" % akid
    entry = keys[akid]
    secret = entry["secret"] if isinstance(entry, dict) else entry
    token = entry.get("token") if isinstance(entry, dict) else None
    if c_region != region:
        return False, ("SignatureDoesNotMatch: credential scope region %r, expected %r"
                       % (c_region, region))
    if c_service != service:
        return False, ("SignatureDoesNotMatch: credential scope service %r, expected %r"
                       % (c_service, service))
    signed = signed_s.split(";")
    if signed != sorted(signed) or any(h != h.lower() for h in signed):
        return False, "SignatureDoesNotMatch: SignedHeaders not lower-case and sorted"
    if "host" not in signed:
        return False, "SignatureDoesNotMatch: host is not a signed header"
    amz_dates = _header_values(headers, "x-amz-date")
    if not amz_dates:
        return False, "IncompleteSignature: no X-Amz-Date header"
    amz_date = amz_dates[0].strip()
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        return False, "IncompleteSignature: bad X-Amz-Date %r" % amz_date
    if amz_date[:8] != date:
        return False, "SignatureDoesNotMatch: scope date %s differs from X-Amz-Date %s" % (
            date, amz_date)
    if now is not False:
        ref = now or datetime.datetime.now(datetime.timezone.utc)
        if abs(ref - when) > MAX_SKEW:
            return False, "RequestExpired: X-Amz-Date %s is more than 15 minutes from %s" % (
                amz_date, ref.strftime("%Y%m%dT%H%M%SZ"))
    if token is not None:
        got = _header_values(headers, "x-amz-security-token")
        if not got or got[0].strip() != token:
            return False, ("UnrecognizedClientException: the security token included in "
                           "the request is invalid (x-amz-security-token %s)"
                           % ("missing" if not got else "wrong"))
        if "x-amz-security-token" not in signed:
            return False, "SignatureDoesNotMatch: x-amz-security-token is not signed"
    declared = _header_values(headers, "x-amz-content-sha256")
    actual = hashlib.sha256(body).hexdigest()
    if declared:
        payload = declared[0].strip()
        if payload != "UNSIGNED-PAYLOAD" and payload != actual:
            return False, ("XAmzContentSHA256Mismatch: x-amz-content-sha256 %s, body hashes "
                           "to %s" % (payload, actual))
    elif service == "s3":
        return False, "InvalidRequest: S3 requires x-amz-content-sha256"
    else:
        payload = actual
    for h in signed:
        if not _header_values(headers, h):
            return False, "SignatureDoesNotMatch: signed header %s is missing" % h
    creq = canonical_request(method, raw_path_with_query, headers, signed, payload, service)
    want = signature(secret, date, region, service, amz_date, creq)
    if not hmac.compare_digest(want, sig):
        return False, ("SignatureDoesNotMatch: the request signature we calculated does not "
                       "match the signature you provided; canonical request was:\n" + creq)
    return True, "ok"


def _selftest():
    """AWS's published SigV4 test-suite vectors (example.amazonaws.com)."""
    keys = {"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
    cases = [
        ("get-vanilla", "GET", "/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        ("get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1",
         "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        ("get-vanilla-query-order-value", "GET", "/?Param1=value2&Param1=value1",
         "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"),
        ("post-vanilla", "POST", "/", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        ("post-vanilla-query", "POST", "/?Param1=value1",
         "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
    ]
    failed = 0
    for name, method, path, sig in cases:
        hdrs = {"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z",
                "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                                 "service/aws4_request, SignedHeaders=host;x-amz-date, "
                                 "Signature=" + sig}
        ok, why = verify(method, path, hdrs, b"", keys, "us-east-1", "service", now=False)
        bad = dict(hdrs, Authorization=hdrs["Authorization"][:-1] + ("0" if sig[-1] != "0" else "1"))
        nok, _ = verify(method, path, bad, b"", keys, "us-east-1", "service", now=False)
        if not ok or nok:
            failed += 1
            print("FAIL %s: %s" % (name, why))
        else:
            print("ok   %s" % name)
    # the clock-skew and scope checks
    hdrs = {"Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z",
            "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
                             "service/aws4_request, SignedHeaders=host;x-amz-date, Signature="
                             + cases[0][3]}
    ok, why = verify("GET", "/", hdrs, b"", keys, "us-east-1", "service")
    if ok or error_code(why) != "RequestExpired":
        failed += 1
        print("FAIL skew: %s" % why)
    ok, why = verify("GET", "/", hdrs, b"", keys, "eu-west-1", "service", now=False)
    if ok:
        failed += 1
        print("FAIL region scope accepted")
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    if "--selftest" in sys.argv[1:]:
        sys.exit(_selftest())
    print(__doc__)
