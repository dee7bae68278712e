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
		"A=B", "MY VAR", "1A", "..", "..a", ".", ".a", "caf\u00e9", "tab\there", "~", "a/b", "Example.COM/x", "a/b/c", "/x"} {
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
		if got, want := envVarName(s), len(validation.IsRelaxedEnvVarName(s)) == 0; got != want {
			t.Errorf("envVarName(%q) = %v, Kubernetes says %v", s, got, want)
		}
	})
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
	}
	for _, tt := range tests {
		if got := tt.c.WantString(tt.s) != ""; got != tt.want {
			t.Errorf("check %d, %q: refused %v, want %v (%s)", tt.c, tt.s, got, tt.want, tt.why)
		}
	}
}
