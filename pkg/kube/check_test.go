package kube

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

// FuzzNameChecks holds the name syntaxes of the checks to Kubernetes' own
// validation functions.
func FuzzNameChecks(f *testing.F) {
	for _, s := range []string{"", "web", "Web", "web-1", "-web", "web-", "a--b", "http", "8080", "http_port", "a.b",
		"abcdefghijklmnop", "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrs", "x1",
		"A=B", "MY VAR", "1A", "..", "..a", ".", ".a", "caf\u00e9", "tab\there", "~", "a/b", "Example.COM/x", "a/b/c", "/x", "*.example.com", "*", "a.*.com", "example.com:443", "https://example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := dnsLabel(s), len(validation.IsDNS1123Label(s)) == 0; got != want {
			t.Errorf("dnsLabel(%q) = %v, Kubernetes says %v", s, got, want)
		}
		if got, want := portName(s), len(validation.IsValidPortName(s)) == 0; got != want {
			t.Errorf("portName(%q) = %v, Kubernetes says %v", s, got, want)
		}
		if got, want := ConfigKey(s), len(validation.IsConfigMapKey(s)) == 0; got != want {
			t.Errorf("ConfigKey(%q) = %v, Kubernetes says %v", s, got, want)
		}
		if got, want := KeyRefusal(Path{Field("metadata"), Field("annotations"), Field(s)}) == "", len(validation.IsQualifiedName(strings.ToLower(s))) == 0; got != want {
			t.Errorf("annotation key %q: taken %v, Kubernetes says %v", s, got, want)
		}
		want := len(validation.IsDNS1123Subdomain(s)) == 0
		if strings.Contains(s, "*") {
			want = len(validation.IsWildcardDNS1123Subdomain(s)) == 0
		}
		if got := wildcardHost(s); got != want {
			t.Errorf("wildcardHost(%q) = %v, Kubernetes says %v", s, got, want)
		}
		if got, want := envVarName(s), len(validation.IsRelaxedEnvVarName(s)) == 0; got != want {
			t.Errorf("envVarName(%q) = %v, Kubernetes says %v", s, got, want)
		}
	})
}

// TestContainerResourceNames: the keys of a container's limits and
// requests are resource names; the same keys elsewhere are not checked so.
func TestContainerResourceNames(t *testing.T) {
	limits := Path{Field("spec"), Field("containers"), Key{Field: "name", Value: "web"}, Field("resources"), Field("limits")}
	claim := Path{Field("spec"), Field("resources"), Field("requests")}
	tests := []struct {
		at      Path
		key     string
		refused bool
		why     string
	}{
		{limits, "cpu", false, "a standard resource"},
		{limits, "ephemeral-storage", false, "a standard resource"},
		{limits, "hugepages-2Mi", false, "huge pages"},
		{limits, "nvidia.com/gpu", false, "an extended resource"},
		{limits, "kubernetes.io/foo", false, "kubernetes.io's own"},
		{limits, "memroy", true, "a misspelt standard resource"},
		{limits, "storage", true, "a claim's, not a container's"},
		{limits, "requests.example.com/x", true, "no extended resource begins with requests."},
		{limits, "example.com/x y", true, "not a qualified name"},
		{claim, "storage", false, "a claim's requests are not a container's"},
	}
	for _, tt := range tests {
		if got := KeyRefusal(tt.at.Child(Field(tt.key))) != ""; got != tt.refused {
			t.Errorf("%s at %s: refused %v, want %v (%s)", tt.key, tt.at, got, tt.refused, tt.why)
		}
	}
}

func TestCheckWantString(t *testing.T) {
	tests := []struct {
		c    Check
		s    string
		want bool // refused
		why  string
	}{
		{PullPolicyCheck, "Always", false, "a value of the enumeration"},
		{PullPolicyCheck, "always", true, "the server compares values exactly"},
		{PullPolicyCheck, "", false, "empty: the server defaults it"},
		{ProtocolCheck, "QUIC", true, "not a protocol Kubernetes knows"},
		{DNSLabelCheck, "", true, "a container's name is required"},
		{OptionalDNSLabelCheck, "", false, "a Service port's name may be empty"},
		{PortNameCheck, "", false, "a container port's name may be empty"},
		{TargetPortCheck, "", true, "a string targetPort is a port name"},
		{IngressHostCheck, "", false, "a rule for every host"},
		{IngressHostCheck, "shop.example.com", false, "a DNS name"},
		{IngressHostCheck, "*.example.com", false, "a wildcard"},
		{IngressHostCheck, "https://shop.example.com", true, "a URL is no host"},
		{IngressHostCheck, "shop.example.com:443", true, "nor is a host and port"},
		{IngressHostCheck, "10.0.0.1", true, "an IP address is refused"},
		{IngressHostCheck, "010.000.000.001", true, "so is one with leading zeros (netutils.ParseIPSloppy)"},
		{IngressHostCheck, "Shop.example.com", true, "upper case"},
		{WildcardHostCheck, "10.0.0.1", false, "a TLS host is checked as a subdomain only"},
		{WildcardHostCheck, "", true, "an empty TLS host"},
		{IngressPathCheck, "/api", false, "absolute"},
		{IngressPathCheck, "", false, "empty: every path (for ImplementationSpecific)"},
		{IngressPathCheck, "api", true, "relative"},
		{EnvVarNameCheck, "JAVA_OPTS", false, "a C identifier"},
		{EnvVarNameCheck, "1.my-name", false, "printable ASCII: taken since Kubernetes 1.32"},
		{EnvVarNameCheck, "", true, "a name is required"},
		{EnvVarNameCheck, "A=B", true, "'=' ends the name in the environment"},
		{EnvVarNameCheck, "caf\u00e9", true, "not ASCII"},
		{ImageCheck, "nginx", false, "an image"},
		{ImageCheck, "", true, "required"},
		{ImageCheck, "\tnginx", true, "white space around"},
		{NoCheck, "anything", false, "no check"},
		{CronScheduleCheck, "0 3 * * 1-5", false, "five fields"},
		{CronScheduleCheck, "@daily", false, "a descriptor"},
		{CronScheduleCheck, "0 3 * *", true, "four fields"},
		{CronScheduleCheck, "", true, "a schedule is required"},
		{TimeZoneCheck, "Europe/Berlin", false, "a zone of the IANA database"},
		{TimeZoneCheck, "Etc/UTC", false, "UTC"},
		{TimeZoneCheck, "Europe/Berln", true, "no such zone"},
		{TimeZoneCheck, "", true, "empty: the field must be left out"},
		{TimeZoneCheck, "local", true, "Local, in any case"},
		{TimeZoneCheck, "../etc/passwd", true, "a path, not a zone"},
		{TimeZoneCheck, "America/Argentina_Buenos_Aires_Long", true, "a part longer than 14 characters"},
	}
	for _, tt := range tests {
		if got := tt.c.WantString(tt.s) != ""; got != tt.want {
			t.Errorf("check %d, %q: refused %v, want %v (%s)", tt.c, tt.s, got, tt.want, tt.why)
		}
	}
}
