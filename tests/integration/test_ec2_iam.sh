#!/bin/bash
# packaging/ec2/iam-policy.json against the code: the policy is valid JSON,
# allows only, names resources (a wildcard only where AWS offers no scope),
# and lists exactly the API actions the sources call: the Auto Scaling
# actions of core/autoscaling.c, the SSM actions of core/aws.c (and KMS for
# SecureString), what plugins/s3 and plugins/route53 request, and the
# package download of packaging/ec2/user-data. A call added to the code
# without the policy, or a permission the code no longer needs, fails here.
set -u
. "${PO_SRCDIR:-$(dirname "$0")/../..}/tests/integration/lib.sh"

"$PO_PY" - "$PO_SRCDIR" <<'PY'
import json, re, sys

src = sys.argv[1]
passed = failed = 0


def check(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok %d - %s" % (passed + failed, name))
    else:
        failed += 1
        print("not ok %d - %s%s" % (passed + failed, name, (": " + why) if why else ""))


def read(path):
    with open("%s/%s" % (src, path)) as f:
        return f.read()


# ---- the policy
try:
    policy = json.loads(read("packaging/ec2/iam-policy.json"))
    check("the policy is valid JSON", True)
except ValueError as e:
    check("the policy is valid JSON", False, str(e))
    print("RESULT test_ec2_iam: %d passed, %d failed" % (passed, failed))
    sys.exit(1)
stmts = policy.get("Statement", [])
check("policy language 2012-10-17", policy.get("Version") == "2012-10-17")
check("every statement allows (nothing to deny in a least-privilege role)",
      stmts and all(s.get("Effect") == "Allow" for s in stmts))
allowed = {}
for s in stmts:
    acts = s["Action"] if isinstance(s["Action"], list) else [s["Action"]]
    res = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
    for a in acts:
        allowed.setdefault(a, []).extend(res)
check("no wildcard action", all("*" not in a for a in allowed), str(sorted(allowed)))
# Describe calls take no resource scope in AWS: the only "*" allowed
star = sorted(a for a, r in allowed.items() if "*" in r)
check("a resource of \"*\" only for DescribeScheduledActions",
      star == ["autoscaling:DescribeScheduledActions"], str(star))
check("every other resource is named (arn:aws:...)",
      all(r.startswith("arn:aws:") for a, rs in allowed.items() for r in rs if r != "*"))

# ---- what the code calls
called = {}


def called_by(action, where):
    called.setdefault(action, set()).add(where)


asg = read("core/autoscaling.c")
for a in re.findall(r'form_start\(&f, "(\w+)"', asg):
    called_by("autoscaling:" + a, "core/autoscaling.c")
check("core/autoscaling.c calls the four Auto Scaling actions",
      len([a for a in called if a.startswith("autoscaling:")]) == 4,
      str(sorted(called)))

aws = read("core/aws.c")
for a in re.findall(r'ssm_call\(a, "(\w+)"', aws):
    called_by("ssm:" + a, "core/aws.c")
if '"WithDecryption"' in aws:
    called_by("kms:Decrypt", "core/aws.c (GetParameter WithDecryption)")
if '"SecureString"' in aws:
    called_by("kms:Encrypt", "core/aws.c (PutParameter SecureString)")
check("core/aws.c calls SSM", any(a.startswith("ssm:") for a in called))

# route53: each REST path the plugin builds, by method
r53 = read("plugins/route53/route53.c")
r53_paths = {("POST", "/hostedzone/%s/rrset"): "route53:ChangeResourceRecordSets",
             ("GET", "/hostedzone/%s/rrset"): "route53:ListResourceRecordSets",
             ("GET", "/change/%s"): "route53:GetChange"}
for m in re.finditer(r'R53_API "(/[^"]*)"', r53):
    method = re.search(r'\.method = "(\w+)"', r53[m.end():])
    key = (method.group(1) if method else "?", m.group(1))
    act = r53_paths.get(key)
    check("route53.c %s %s maps to an IAM action" % key, act is not None,
          "add it to this test's map and to the policy")
    if act:
        called_by(act, "plugins/route53/route53.c")

# s3: signed requests are GETs only; the listing is ListObjectsV2
s3 = read("plugins/s3/s3.c")
methods = set(re.findall(r'\.method = "(\w+)"', s3))
check("plugins/s3 sends only GET (anything else needs a new permission here)",
      methods == {"GET"}, str(sorted(methods)))
if "list-type=2" in s3:
    called_by("s3:ListBucket", "plugins/s3/s3.c (ListObjectsV2)")
if re.search(r'\.method = "GET", \.url = url\.p, \.headers = headers, \.aws_service = "s3"', s3):
    called_by("s3:GetObject", "plugins/s3/s3.c (download)")
ud = read("packaging/ec2/user-data")
if re.search(r"aws .*s3 cp ", ud):
    called_by("s3:GetObject", "packaging/ec2/user-data (the package)")

missing = sorted(set(called) - set(allowed))
extra = sorted(set(allowed) - set(called))
check("the policy allows every action the code calls", not missing,
      "; ".join("%s (%s)" % (a, ", ".join(sorted(called[a]))) for a in missing))
check("the policy allows nothing the code does not call", not extra, ", ".join(extra))

# the S3 object resources cover the package the user data downloads
m = re.search(r"PKG_S3_URL=s3://([^/\s]+)/(\S+)", ud)
gets = allowed.get("s3:GetObject", [])
check("the user data's package is inside a GetObject resource",
      m and any(re.fullmatch(r.split(":::", 1)[1].replace("*", ".*"), m.group(1) + "/" + m.group(2))
                for r in gets), m.group(0) if m else "no PKG_S3_URL")

# the local fake speaks every Auto Scaling action the code calls
fake = read("tests/fakes/autoscaling_fake.py")
fake_acts = set(re.findall(r'"(\w+)": (?:describe|put|delete|set_desired)', fake))
code_acts = {a.split(":", 1)[1] for a in called if a.startswith("autoscaling:")}
check("autoscaling_fake.py answers exactly those actions", fake_acts == code_acts,
      "fake %s, code %s" % (sorted(fake_acts), sorted(code_acts)))

print("RESULT test_ec2_iam: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
