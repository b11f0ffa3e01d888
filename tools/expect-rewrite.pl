#!/usr/bin/perl
# Rewrite CUnit comparisons in the unit tests into the assertions of
# tests/unit/runner.h that print both values on failure:
#
#   CU_ASSERT_EQUAL(a, b)             -> PO_EXPECT_INT(a, b)
#   CU_ASSERT_STRING_EQUAL(a, b)      -> PO_EXPECT_STR(a, b)
#   CU_ASSERT_DOUBLE_EQUAL(a, b, g)   -> PO_EXPECT_DOUBLE(a, b, g)
#   CU_ASSERT(strcmp(a, b) == 0)      -> PO_EXPECT_STR(a, b)   (also !strcmp(a, b))
#   CU_ASSERT(a == b)                 -> PO_EXPECT_INT(a, b)
#
# and each _FATAL form to its _FATAL form (CU_ASSERT_TRUE as CU_ASSERT).
# The CUnit macro chooses the kind: an integer, a string, a double. Left
# alone: a CU_ASSERT that is not one comparison (a && b, a < b, a != b, a
# bare flag), a comparison with NULL or a string literal (pointers, which
# PO_EXPECT_INT refuses to compile: NULL, a string literal, &x, strchr(...)
# and other C library calls that return a pointer), and every CU_ASSERT_PTR_*.
#
# usage: tools/expect-rewrite.pl [-n] [FILE...]
#   FILE...  default: tests/unit/*.c and plugins/*/tests/*.c of this tree
#   -n       change nothing; list what would change and exit 1 if anything would
# Running it again on its own output changes nothing.
use strict;
use warnings;
use File::Basename qw(dirname);
use Cwd qw(abs_path);

my $dry = 0;
if (@ARGV && $ARGV[0] eq '-n') {
	$dry = 1;
	shift @ARGV;
}
my $top = dirname(dirname(abs_path($0)));
my @files = @ARGV ? @ARGV : (glob("$top/tests/unit/*.c"), glob("$top/plugins/*/tests/*.c"));
# the runner and its own test define or exercise the assertions themselves
@files = grep { !m{tests/unit/(runner|expect|test_runner)\.c$} } @files;

# Skip a comment, string or character literal starting at $i; the index
# after it, or $i when none starts there.
sub skip_lexeme {
	my ($s, $i) = @_;
	my $c = substr($s, $i, 2);
	if ($c eq '/*') {
		my $e = index($s, '*/', $i + 2);
		return $e < 0 ? length($s) : $e + 2;
	}
	if ($c eq '//') {
		my $e = index($s, "\n", $i);
		return $e < 0 ? length($s) : $e;
	}
	my $q = substr($s, $i, 1);
	if ($q eq '"' || $q eq "'") {
		my $j = $i + 1;
		while ($j < length($s)) {
			my $d = substr($s, $j, 1);
			return $j + 1 if $d eq $q;
			$j += $d eq '\\' ? 2 : 1;
		}
		return length($s);
	}
	return $i;
}

# The arguments of the call whose '(' is at $open: (end index after ')',
# list of argument texts split at top-level commas), or () if unbalanced.
sub call_args {
	my ($s, $open) = @_;
	my ($depth, $i, $start, @args) = (0, $open, $open + 1);
	while ($i < length($s)) {
		my $j = skip_lexeme($s, $i);
		if ($j != $i) {
			$i = $j;
			next;
		}
		my $c = substr($s, $i, 1);
		if ($c eq '(' || $c eq '[' || $c eq '{') {
			$depth++;
		} elsif ($c eq ')' || $c eq ']' || $c eq '}') {
			$depth--;
			if ($depth == 0) {
				push @args, substr($s, $start, $i - $start);
				return ($i + 1, @args);
			}
		} elsif ($c eq ',' && $depth == 1) {
			push @args, substr($s, $start, $i - $start);
			$start = $i + 1;
		}
		$i++;
	}
	return ();
}

# The top-level operators of an expression (outside brackets, literals and
# comments), each as [text, index].
sub top_ops {
	my ($e) = @_;
	my ($depth, $i, @ops) = (0, 0);
	while ($i < length($e)) {
		my $j = skip_lexeme($e, $i);
		if ($j != $i) {
			$i = $j;
			next;
		}
		my $c = substr($e, $i, 1);
		if ($c =~ /[(\[{]/) {
			$depth++;
		} elsif ($c =~ /[)\]}]/) {
			$depth--;
		} elsif ($depth == 0 && substr($e, $i) =~ /^(->|==|!=|<=|>=|&&|\|\||<<|>>|[-+*\/%&|^?:=<>!~])/) {
			push @ops, [$1, $i];
			$i += length($1);
			next;
		}
		$i++;
	}
	return @ops;
}

sub trim {
	my ($t) = @_;
	$t =~ s/^\s+|\s+$//g;
	return $t;
}

# A side that is plainly a pointer: NULL, (void *)0, a string literal, an
# address (&x), or what a C library pointer function returns.
sub is_pointer_literal {
	my ($t) = @_;
	return 1 if $t eq 'NULL' || $t =~ /^\(\s*void\s*\*\s*\)\s*0$/ || $t =~ /^["&]/;
	return $t =~ /^(strchr|strrchr|strstr|memchr|memmem|strpbrk|strdup|strndup|malloc|calloc|realloc|fopen|getenv)\s*\(/;
}

# A whole call to one function: (name, args), or ().
sub whole_call {
	my ($e) = @_;
	return () unless $e =~ /^([A-Za-z_]\w*)\s*\(/;
	my $name = $1;
	my ($end, @args) = call_args($e, length($&) - 1);
	return () unless defined $end && $end == length($e);
	return ($name, @args);
}

# CU_ASSERT's condition as (kind, a, b), or () to leave it alone.
sub comparison {
	my ($cond) = @_;
	my $e = trim($cond);
	# !strcmp(a, b)
	if ($e =~ /^!\s*(strcmp\s*\(.*)$/s) {
		my ($name, @a) = whole_call($1);
		return ('STR', trim($a[0]), trim($a[1])) if $name && $name eq 'strcmp' && @a == 2;
		return ();
	}
	my @ops = top_ops($e);
	return () unless @ops;
	my @eq = grep { $_->[0] eq '==' } @ops;
	return () unless @eq == 1;
	# anything that binds looser than == would change meaning when split
	return () if grep { $_->[0] =~ /^(&&|\|\||!=|[&|^?:=])$/ } @ops;
	my $a = trim(substr($e, 0, $eq[0][1]));
	my $b = trim(substr($e, $eq[0][1] + 2));
	return () if $a eq '' || $b eq '';
	# strcmp(a, b) == 0, 0 == strcmp(a, b)
	for my $pair ([$a, $b], [$b, $a]) {
		my ($call, $zero) = @$pair;
		next unless $zero eq '0';
		my ($name, @a) = whole_call($call);
		return ('STR', trim($a[0]), trim($a[1])) if $name && $name eq 'strcmp' && @a == 2;
	}
	return () if is_pointer_literal($a) || is_pointer_literal($b);
	return ('INT', $a, $b);
}

my %simple = (
	CU_ASSERT_EQUAL        => ['INT', 2],
	CU_ASSERT_STRING_EQUAL => ['STR', 2],
	CU_ASSERT_DOUBLE_EQUAL => ['DOUBLE', 3],
);

sub rewrite {
	my ($s) = @_;
	my ($out, $i, $n) = ('', 0, 0);
	while ($i < length($s)) {
		my $j = skip_lexeme($s, $i);
		if ($j != $i) {
			$out .= substr($s, $i, $j - $i);
			$i = $j;
			next;
		}
		if (substr($s, $i) =~ /^(CU_ASSERT(?:_EQUAL|_STRING_EQUAL|_DOUBLE_EQUAL|_TRUE)?)(_FATAL)?(\s*)\(/
		    && ($i == 0 || substr($s, $i - 1, 1) !~ /\w/)) {
			my ($macro, $fatal) = ($1, $2 // '');
			my ($end, @args) = call_args($s, $i + length($&) - 1);
			my ($kind, @vals);
			if (!defined $end) {
			} elsif ($simple{$macro} && @args == $simple{$macro}[1]) {
				$kind = $simple{$macro}[0];
				@vals = map { trim($_) } @args;
				# pointers compared as pointers stay as they are
				undef $kind if $kind eq 'INT' && grep { is_pointer_literal($_) } @vals;
			} elsif (($macro eq 'CU_ASSERT' || $macro eq 'CU_ASSERT_TRUE') && @args == 1) {
				($kind, @vals) = comparison($args[0]);
			}
			if ($kind) {
				$out .= "PO_EXPECT_$kind$fatal(" . join(', ', @vals) . ')';
				$i = $end;
				$n++;
				next;
			}
		}
		# copy a whole identifier, so no match starts inside one
		if (substr($s, $i) =~ /^(\w+)/) {
			$out .= $1;
			$i += length($1);
			next;
		}
		$out .= substr($s, $i, 1);
		$i++;
	}
	return ($out, $n);
}

my $changed = 0;
for my $f (@files) {
	open(my $in, '<', $f) or die "expect-rewrite: $f: $!\n";
	local $/;
	my $s = <$in>;
	close($in);
	my ($t, $n) = rewrite($s);
	next unless $n;
	$changed += $n;
	my $rel = $f =~ s{^\Q$top\E/}{}r;
	print "$rel: $n\n";
	next if $dry;
	open(my $o, '>', "$f.tmp") or die "expect-rewrite: $f.tmp: $!\n";
	print $o $t;
	close($o) or die "expect-rewrite: $f.tmp: $!\n";
	rename("$f.tmp", $f) or die "expect-rewrite: $f: $!\n";
}
print "expect-rewrite: $changed assertions rewritten\n" unless $dry;
exit($dry && $changed ? 1 : 0);
