package kube

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the time zones the API server knows, whatever the host has

	"github.com/robfig/cron/v3"
)

// Check is what the API server validates of a scalar field beyond its
// type: the range of an integer (replicas, ports), the values of an
// enumeration (imagePullPolicy, a Service's type), the syntax of a name.
// A value that fails it makes the server refuse the object (422 Invalid),
// and helm upgrade fails there. The schema (schema_gen.go) marks the fields
// that internal/kubeschema's table names; NoCheck is every other field.
//
// A check never refuses the empty string of an enumeration (the server
// defaults it) and says nothing of what it cannot see: rules between
// fields (progressDeadlineSeconds above minReadySeconds, requests below
// limits) and rules of one kind only (a Deployment's pods must restart
// Always) are not checks.
type Check uint8

// The checks. The enumerations list the values of k8s.io/api's constants
// for the field.
const (
	NoCheck Check = iota
	// Int32Check: an integer the server decodes into an int32.
	Int32Check
	// NonNegativeCheck: an int32 of at least 0 (replicas,
	// revisionHistoryLimit, a probe's periods and thresholds).
	NonNegativeCheck
	// PortCheck: 1 to 65535 (containerPort, a Service's port).
	PortCheck
	// PortOrZeroCheck: 0 (unset, or chosen by the server) to 65535
	// (hostPort, nodePort).
	PortOrZeroCheck
	// TargetPortCheck: an integer 0 to 65535 or a port name (IANA service
	// name syntax), a Service port's targetPort.
	TargetPortCheck
	// ProbePortCheck: an integer 1 to 65535 or a port name, a probe's or
	// a lifecycle hook's port.
	ProbePortCheck
	// PortNameCheck: a port name in the IANA service name syntax (a
	// container port's name), or empty.
	PortNameCheck
	// DNSLabelCheck: a DNS label (RFC 1123: at most 63 lower-case letters,
	// digits or '-', beginning and ending with a letter or digit): a
	// container's or a volume's name.
	DNSLabelCheck
	// OptionalDNSLabelCheck: a DNS label or empty (a Service port's name).
	OptionalDNSLabelCheck
	// ImageCheck: a container's image, required, without leading or
	// trailing white space.
	ImageCheck
	// NonNegativeQuantityCheck: a quantity of at least 0 (resource
	// requests and limits, quotas).
	NonNegativeQuantityCheck
	// CronScheduleCheck: a CronJob's schedule, as the API server parses
	// it (robfig/cron's standard parser: five fields, or a descriptor
	// such as @hourly).
	CronScheduleCheck
	// TimeZoneCheck: a CronJob's time zone, as the API server validates
	// it (validateTimeZone): not empty (leave it out instead), not Local,
	// a name of the IANA time zone database.
	TimeZoneCheck
	// EnvVarNameCheck: an environment variable's name, required, of
	// printable ASCII characters other than '=' (what every Kubernetes
	// release takes; before 1.32 the server took fewer by default).
	EnvVarNameCheck
	// IngressHostCheck: an Ingress rule's host, empty (every host) or a
	// DNS subdomain, "*." and a subdomain for a wildcard, not an IP.
	IngressHostCheck
	// WildcardHostCheck: a host of an Ingress's TLS: a DNS subdomain, or
	// "*." and a subdomain.
	WildcardHostCheck
	// IngressPathCheck: an Ingress path, empty or absolute (beginning
	// with '/').
	IngressPathCheck
	// RequiredCheck: a string that must not be empty (a volume mount's
	// name and path).
	RequiredCheck
	// IntOrPercentCheck: an integer of at least 0 or a percentage, digits
	// and '%' (a quoted number is a string, and refused): a Deployment's
	// maxSurge.
	IntOrPercentCheck
	// IntOrPercent100Check: as IntOrPercentCheck, a percentage at most
	// 100%: a rolling update's maxUnavailable, a DaemonSet's maxSurge, a
	// PodDisruptionBudget's minAvailable and maxUnavailable.
	IntOrPercent100Check
	// PositiveIntOrPercent100Check: as IntOrPercent100Check, and not 0: a
	// StatefulSet's maxUnavailable.
	PositiveIntOrPercent100Check

	// the enumerations (their values: Check.Enum)
	PullPolicyCheck
	ProtocolCheck
	RestartPolicyCheck
	DNSPolicyCheck
	ServiceTypeCheck
	SessionAffinityCheck
	TrafficPolicyCheck
	IPFamilyPolicyCheck
	DeploymentStrategyCheck
	StatefulSetStrategyCheck
	PodManagementPolicyCheck
	DaemonSetStrategyCheck
	RetentionPolicyCheck
	AccessModeCheck
	VolumeModeCheck
	ReclaimPolicyCheck
	StorageReclaimPolicyCheck
	VolumeBindingModeCheck
	TolerationOperatorCheck
	TaintEffectCheck
	NodeSelectorOperatorCheck
	LabelSelectorOperatorCheck
	HTTPSchemeCheck
	TerminationMessagePolicyCheck
	CompletionModeCheck
	ConcurrencyPolicyCheck
	PathTypeCheck
	PolicyTypeCheck
	UnsatisfiableCheck
	UnhealthyPodEvictionPolicyCheck
	// PositiveCheck: an int32 of at least 1 (a spread constraint's
	// maxSkew and minDomains, an autoscaler's maxReplicas).
	PositiveCheck
	MetricSourceTypeCheck
	MetricTargetTypeCheck
	// RequiredPositiveCheck: a PositiveCheck whose field is required (an
	// autoscaler's maxReplicas).
	RequiredPositiveCheck
)

// Required reports whether the field a check is for must be set: the API
// server refuses the object where it is missing (a change that removes it,
// or sets it to null: helm's patch deletes it). It is so of the checks that
// refuse an empty value: a container's image and name, a port, an env
// var's name, a volume mount's name and path.
func (c Check) Required() bool {
	switch c {
	case RequiredCheck, ImageCheck, DNSLabelCheck, EnvVarNameCheck, PortCheck, ProbePortCheck, RequiredPositiveCheck:
		return true
	}
	return false
}

// enums are the values each enumeration takes.
var enums = map[Check][]string{
	PullPolicyCheck:                 {"Always", "Never", "IfNotPresent"},
	ProtocolCheck:                   {"TCP", "UDP", "SCTP"},
	RestartPolicyCheck:              {"Always", "OnFailure", "Never"},
	DNSPolicyCheck:                  {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"},
	ServiceTypeCheck:                {"ClusterIP", "NodePort", "LoadBalancer", "ExternalName"},
	SessionAffinityCheck:            {"None", "ClientIP"},
	TrafficPolicyCheck:              {"Cluster", "Local"},
	IPFamilyPolicyCheck:             {"SingleStack", "PreferDualStack", "RequireDualStack"},
	DeploymentStrategyCheck:         {"Recreate", "RollingUpdate"},
	StatefulSetStrategyCheck:        {"RollingUpdate", "OnDelete"},
	PodManagementPolicyCheck:        {"OrderedReady", "Parallel"},
	DaemonSetStrategyCheck:          {"RollingUpdate", "OnDelete"},
	RetentionPolicyCheck:            {"Retain", "Delete"},
	AccessModeCheck:                 {"ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"},
	VolumeModeCheck:                 {"Block", "Filesystem"},
	ReclaimPolicyCheck:              {"Recycle", "Delete", "Retain"},
	StorageReclaimPolicyCheck:       {"Delete", "Retain"},
	VolumeBindingModeCheck:          {"Immediate", "WaitForFirstConsumer"},
	TolerationOperatorCheck:         {"Exists", "Equal"},
	TaintEffectCheck:                {"NoSchedule", "PreferNoSchedule", "NoExecute"},
	NodeSelectorOperatorCheck:       {"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"},
	LabelSelectorOperatorCheck:      {"In", "NotIn", "Exists", "DoesNotExist"},
	HTTPSchemeCheck:                 {"HTTP", "HTTPS"},
	TerminationMessagePolicyCheck:   {"File", "FallbackToLogsOnError"},
	CompletionModeCheck:             {"NonIndexed", "Indexed"},
	ConcurrencyPolicyCheck:          {"Allow", "Forbid", "Replace"},
	PathTypeCheck:                   {"Exact", "Prefix", "ImplementationSpecific"},
	PolicyTypeCheck:                 {"Ingress", "Egress"},
	UnsatisfiableCheck:              {"DoNotSchedule", "ScheduleAnyway"},
	UnhealthyPodEvictionPolicyCheck: {"IfHealthyBudget", "AlwaysAllow"},
	MetricSourceTypeCheck:           {"Object", "Pods", "Resource", "ContainerResource", "External"},
	MetricTargetTypeCheck:           {"Utilization", "Value", "AverageValue"},
}

// Enum returns the values of an enumeration, nil for the other checks.
func (c Check) Enum() []string { return enums[c] }

// IntRange returns the range of the integers a numeric check takes, and
// whether c is one.
func (c Check) IntRange() (lo, hi int64, ok bool) {
	switch c {
	case Int32Check:
		return -1 << 31, 1<<31 - 1, true
	case NonNegativeCheck:
		return 0, 1<<31 - 1, true
	case PositiveCheck, RequiredPositiveCheck:
		return 1, 1<<31 - 1, true
	case PortCheck:
		return 1, 65535, true
	case PortOrZeroCheck, TargetPortCheck:
		return 0, 65535, true
	case ProbePortCheck:
		return 1, 65535, true
	case IntOrPercentCheck, IntOrPercent100Check:
		return 0, 1<<31 - 1, true
	case PositiveIntOrPercent100Check:
		return 1, 1<<31 - 1, true
	}
	return 0, 0, false
}

// WantString says what a string field of check c must be when s is not
// that, or "" when it is.
func (c Check) WantString(s string) string {
	if vals := enums[c]; vals != nil {
		if s == "" {
			return ""
		}
		for _, v := range vals {
			if s == v {
				return ""
			}
		}
		return "one of " + strings.Join(vals[:len(vals)-1], ", ") + " or " + vals[len(vals)-1] + " (case matters)"
	}
	switch c {
	case TargetPortCheck, ProbePortCheck:
		if !portName(s) {
			return "a port number or a port name (at most 15 lower-case letters, digits or '-', at least one letter, no '-' at either end or twice in a row)"
		}
	case PortNameCheck:
		if s != "" && !portName(s) {
			return "a port name (at most 15 lower-case letters, digits or '-', at least one letter, no '-' at either end or twice in a row)"
		}
	case DNSLabelCheck, OptionalDNSLabelCheck:
		if (s != "" || c == DNSLabelCheck) && !dnsLabel(s) {
			return "a DNS label (at most 63 lower-case letters, digits or '-', beginning and ending with a letter or digit)"
		}
	case CronScheduleCheck:
		if _, err := cron.ParseStandard(s); err != nil {
			return fmt.Sprintf("a cron schedule of five fields or a descriptor such as @hourly (%v)", err)
		}
	case TimeZoneCheck:
		return timeZoneProblem(s)
	case EnvVarNameCheck:
		if !envVarName(s) {
			return "an environment variable name (required, printable ASCII characters other than '=')"
		}
	case IngressHostCheck, WildcardHostCheck:
		if s == "" && c == IngressHostCheck {
			break
		}
		if c == IngressHostCheck && ipSloppy(s) {
			return "a DNS name, not an IP address"
		}
		if !wildcardHost(s) {
			return "a host name (a DNS subdomain of lower-case letters, digits, '-' and '.', or '*.' and one; no scheme, port or path)"
		}
	case RequiredCheck:
		if s == "" {
			return "a non-empty string (it is required)"
		}
	case IntOrPercentCheck, IntOrPercent100Check, PositiveIntOrPercent100Check:
		n, ok := Percent(s)
		switch {
		case !ok:
			return "an integer of at least 0 or a percentage (digits and '%', such as 25%; a quoted number is a string)"
		case n > 100 && c != IntOrPercentCheck:
			return "a percentage of at most 100%"
		case n == 0 && c == PositiveIntOrPercent100Check:
			return "more than 0 (0% stops the rolling update)"
		}
	case IngressPathCheck:
		if s != "" && s[0] != '/' {
			return "an absolute path (beginning with '/')"
		}
	case ImageCheck:
		if s == "" {
			return "an image (it is required)"
		}
		if strings.TrimSpace(s) != s {
			return "an image without leading or trailing white space"
		}
	}
	return ""
}

// Percent reads a percentage as the API server validates one (digits and
// '%', validation.IsValidPercent); ok is false for any other string. Its
// value is what strconv.Atoi makes of the digits, 0 where they overflow
// (k8s.io/kubernetes pkg/apis/apps/validation getPercentValue).
func Percent(s string) (n int, ok bool) {
	digits, ok := strings.CutSuffix(s, "%")
	if !ok || digits == "" {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	n, _ = strconv.Atoi(digits)
	return n, true
}

// envVarName is the syntax every Kubernetes release takes for an
// environment variable's name (validation.IsRelaxedEnvVarName; releases
// before 1.32 refuse more by default, which a check cannot know).
func envVarName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '=' {
			return false
		}
	}
	return true
}

// ipSloppy reports whether s is an IP address as Kubernetes parses one
// (netutils.ParseIPSloppy: an IPv4 part may have leading zeros).
func ipSloppy(s string) bool {
	if net.ParseIP(s) != nil {
		return true
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || p == "" || p[0] == '+' || p[0] == '-' || n > 255 {
			return false
		}
	}
	return true
}

// wildcardHost reports whether s is a DNS subdomain, or one after "*."
// when it holds a '*' (validation.IsDNS1123Subdomain and
// IsWildcardDNS1123Subdomain, as an Ingress's hosts are checked).
func wildcardHost(s string) bool {
	if strings.Contains(s, "*") {
		rest, ok := strings.CutPrefix(s, "*.")
		return ok && len(s) <= 253 && dnsSubdomain(rest)
	}
	return len(s) <= 253 && dnsSubdomain(s)
}

// portName is the IANA service name syntax of Kubernetes' port names
// (validation.IsValidPortName).
func portName(s string) bool {
	if len(s) == 0 || len(s) > 15 || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	letter := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z':
			letter = true
		case c >= '0' && c <= '9', c == '-':
		default:
			return false
		}
	}
	return letter
}

// dnsLabel is RFC 1123's label (validation.IsDNS1123Label).
func dnsLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		if !alnum && (c != '-' || i == 0 || i == len(s)-1) {
			return false
		}
	}
	return true
}

// timeZoneChars are the characters of a part of a time zone name that the
// API server takes (pkg/apis/batch/validation: validTimeZoneCharacters).
var timeZoneChars = regexp.MustCompile(`^[A-Za-z\.\-_0-9+]{1,14}$`)

// timeZoneProblem says what a CronJob's time zone must be, where s is not
// one the API server takes (validateTimeZone), or returns "".
func timeZoneProblem(s string) string {
	const want = "a time zone of the IANA database, such as Europe/Berlin or Etc/UTC"
	if s == "" {
		return want + " (an empty one is refused: leave the field out)"
	}
	for _, part := range strings.Split(s, "/") {
		if part == "." || part == ".." || strings.HasPrefix(part, "-") || !timeZoneChars.MatchString(part) {
			return want
		}
	}
	if strings.EqualFold(s, "Local") {
		return want + ", not Local"
	}
	if _, err := time.LoadLocation(s); err != nil {
		return want
	}
	return ""
}
