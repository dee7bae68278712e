package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/safediff/safediff/internal/testenv"
	"github.com/safediff/safediff/pkg/kubeapi"
)

// TestRefusalsAsTheServerSays holds the review's "helm upgrade will fail"
// to the API server it speaks for. Each case installs a release of one
// object (its old document), reviews the upgrade to the new document as
// `helm safediff upgrade --plan` does, and then runs the real helm
// upgrade: the review says the upgrade fails exactly when the server
// refuses it. The checks between fields and of names that the review
// makes offline are each here at least once, and a valid change beside
// them, and the checks of earlier rounds. (A StatefulSet's pod template
// is validated as a pod's, its claim templates counting as volumes.)
func TestRefusalsAsTheServerSays(t *testing.T) {
	if suite.skip != "" {
		t.Skip(suite.skip)
	}
	h := suite.helms[0]
	chartDir := oneObjectChart(t, "{{ .Values.doc }}\n")

	deployment := func(pod string) string {
		return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
` + pod
	}
	const pod = `      containers:
      - name: web
        image: nginx:1
        env:
        - name: MODE
          value: a
        ports:
        - containerPort: 80
          name: http
        volumeMounts:
        - name: cache
          mountPath: /cache
      volumes:
      - name: cache
        emptyDir: {}
`
	statefulSet := func(mount string) string {
		return `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: postgres:16
        volumeMounts:
        - name: ` + mount + `
          mountPath: /data
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      resources:
        requests:
          storage: 1Gi
`
	}
	ingress := func(host, path string) string {
		return `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  rules:
  - host: ` + host + `
    http:
      paths:
      - path: ` + path + `
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
`
	}
	configMap := func(key, annotation string) string {
		return `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  annotations:
    ` + annotation + `: "yes"
data:
  ` + key + `: "port: 80"
`
	}
	claim := func(spec string) string {
		return "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n" + spec
	}
	// a Secret of a type, holding one key
	typedSecret := func(typ, key string) string {
		return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: typed\ntype: " + typ + "\ndata:\n  " + key + ": aGVsbG8=\n"
	}
	// an RBAC object of a kind, named rbac-one
	rbac := func(kind, body string) string {
		return "apiVersion: rbac.authorization.k8s.io/v1\nkind: " + kind + "\nmetadata:\n  name: rbac-one\n" + body
	}
	// volume is a PersistentVolume, with a node affinity to zone when
	// zone is set
	volume := func(name, zone string) string {
		doc := "apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: " + name + "\nspec:\n  capacity:\n    storage: 1Gi\n  accessModes: [ReadWriteOnce]\n  hostPath:\n    path: /tmp/" + name + "\n"
		if zone != "" {
			doc += "  nodeAffinity:\n    required:\n      nodeSelectorTerms:\n      - matchExpressions:\n        - key: topology.kubernetes.io/zone\n          operator: In\n          values: [" + zone + "]\n"
		}
		return doc
	}
	// indexedJob is a Job of completion mode Indexed
	indexedJob := func(completions, parallelism int) string {
		return "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: work\nspec:\n  completionMode: Indexed\n  completions: " + itoa(completions) +
			"\n  parallelism: " + itoa(parallelism) + "\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n      - name: work\n        image: busybox:1\n"
	}
	// withFinalizers adds a finalizers list to doc's metadata
	withFinalizers := func(doc string, names ...string) string {
		return strings.Replace(doc, "metadata:\n", "metadata:\n  finalizers: ["+strings.Join(names, ", ")+"]\n", 1)
	}
	autoscaler := func(min, max string) string {
		return `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: ` + min + `
  maxReplicas: ` + max + `
`
	}
	budget := func(extra string) string {
		return `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: web
` + extra
	}
	service := func(ports string) string {
		return `apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector:
    app: web
  ports:
` + ports
	}
	cronJob := func(schedule, policy string) string {
		return `apiVersion: batch/v1
kind: CronJob
metadata:
  name: backup
spec:
  schedule: "` + schedule + `"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: ` + policy + `
          containers:
          - name: backup
            image: busybox:1
`
	}
	daemonSet := func(strategy string) string {
		return `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
` + strategy + `  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
      - name: agent
        image: busybox:1
`
	}
	// withStrategy gives a Deployment or StatefulSet document a strategy
	// block after its replicas
	withStrategy := func(doc, block string) string {
		for _, r := range []string{"  replicas: 2\n", "  replicas: 1\n"} {
			if strings.Contains(doc, r) {
				return strings.Replace(doc, r, r+block, 1)
			}
		}
		t.Fatalf("no replicas in\n%s", doc)
		return ""
	}
	zoned := func(schedule, zone string) string {
		doc := cronJob(schedule, "OnFailure")
		if zone != "" {
			doc = strings.Replace(doc, "  jobTemplate:\n", "  timeZone: "+zone+"\n  jobTemplate:\n", 1)
		}
		return doc
	}
	crd := func(group, approval string) string {
		doc := "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets." + group + "\n"
		if approval != "" {
			doc += "  annotations:\n    api-approved.kubernetes.io: " + approval + "\n"
		}
		return doc + "spec:\n  group: " + group + "\n  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n"
	}
	// twoVersions is a CRD of group serving v1alpha1 and v1, stored in
	// the one named by storage ("" for one of v1 alone)
	twoVersions := func(group, storage string) string {
		doc := strings.Replace(crd(group, ""), "  versions:\n", "  versions:\n  - name: v1alpha1\n    served: true\n    storage: "+strconv.FormatBool(storage == "v1alpha1")+"\n    schema:\n      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n", 1)
		if storage == "" {
			doc = crd(group, "")
		}
		return strings.Replace(doc, "  - name: v1\n    served: true\n    storage: true\n", "  - name: v1\n    served: true\n    storage: "+strconv.FormatBool(storage != "v1alpha1")+"\n", 1)
	}
	bare := func(profile string) string {
		return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/c: " + profile + "\nspec:\n  containers:\n  - name: c\n    image: busybox:1\n"
	}
	withResources := strings.Replace(pod, "        image: nginx:1\n", "        image: nginx:1\n        resources:\n          limits:\n            memory: 1Gi\n          requests:\n            memory: 512Mi\n", 1)
	// a selector with expressions beside its labels, and a template label
	// tier (none for "")
	expressions := func(tier string) string {
		d := strings.Replace(deployment(pod), "    matchLabels:\n      app: web\n", "    matchLabels:\n      app: web\n    matchExpressions:\n    - key: tier\n      operator: In\n      values: [front, back]\n    - key: canary\n      operator: DoesNotExist\n", 1)
		return strings.Replace(d, "      labels:\n        app: web", "      labels:\n        app: web\n        tier: "+tier, 1)
	}
	tests := []struct {
		name, old, new string
		fails          bool
	}{
		// a selector's matchExpressions match the template's labels too
		{"a template label an In expression does not take", expressions("front"), expressions("edge"), true},
		{"a template label an In expression takes", expressions("front"), expressions("back"), false},
		{"a template label a DoesNotExist expression excludes", expressions("front"), strings.Replace(expressions("front"), "        tier: front", "        tier: front\n        canary: \"yes\"", 1), true},
		// the checks of earlier rounds, held to the server too
		{"a template label the selector uses", deployment(pod), strings.Replace(deployment(pod), "      labels:\n        app: web", "      labels:\n        app: web2", 1), true},
		{"a template label added", deployment(pod), strings.Replace(deployment(pod), "      labels:\n        app: web", "      labels:\n        app: web\n        tier: front", 1), false},
		{"a request above its limit", deployment(withResources), deployment(strings.Replace(withResources, "memory: 512Mi", "memory: 2Gi", 1)), true},
		{"a request at its limit", deployment(withResources), deployment(strings.Replace(withResources, "memory: 512Mi", "memory: 1Gi", 1)), false},
		{"a pod template of no containers", deployment(pod), deployment("      containers: []\n"), true},
		{"a pod template of null containers", deployment(pod), deployment("      containers: null\n"), true},
		{"an init container named as a container", deployment(pod), deployment("      initContainers:\n      - name: web\n        image: busybox:1\n" + pod), true},
		{"a Deployment's pods that do not restart", deployment(pod), deployment("      restartPolicy: Never\n" + pod), true},
		{"an enumeration's value in the wrong case", deployment(pod), deployment(strings.Replace(pod, "image: nginx:1", "image: nginx:1\n        imagePullPolicy: always", 1)), true},
		{"a label value with '+'", deployment(pod), strings.Replace(deployment(pod), "  name: web\n", "  name: web\n  labels:\n    version: 1.0+build\n", 1), true},
		// a CronJob's time zone and a schedule's TZ, a Kubernetes group's
		// CRD approval, a bare Pod's AppArmor annotation
		{"a misspelt time zone", zoned("0 3 * * *", "Europe/Berlin"), zoned("0 3 * * *", "Europe/Berln"), true},
		{"another time zone", zoned("0 3 * * *", "Europe/Berlin"), zoned("0 3 * * *", "Etc/UTC"), false},
		{"CRON_TZ put into a schedule", zoned("0 3 * * *", ""), zoned("CRON_TZ=Etc/UTC 0 3 * * *", ""), true},
		{"a Kubernetes group's CRD loses its approval", crd("tests.k8s.io", "https://github.com/kubernetes/enhancements/pull/1111"), crd("tests.k8s.io", ""), true},
		{"another group's CRD loses the annotation", crd("tests.example.com", "https://github.com/kubernetes/enhancements/pull/1111"), crd("tests.example.com", ""), false},
		{"a Pod's AppArmor annotation", bare("runtime/default"), bare("unconfined"), true},
		{"a Service's second port unnamed", service("  - port: 80\n    name: http\n"), service("  - port: 80\n    name: http\n  - port: 81\n"), true},
		{"a Service's second port named", service("  - port: 80\n    name: http\n"), service("  - port: 80\n    name: http\n  - port: 81\n    name: admin\n"), false},
		{"a cron schedule of four fields", cronJob("*/5 * * * *", "OnFailure"), cronJob("*/5 * * *", "OnFailure"), true},
		{"a CronJob's pods that always restart", cronJob("*/5 * * * *", "OnFailure"), cronJob("*/5 * * * *", "Always"), true},
		{"a CronJob's pods never restarted", cronJob("*/5 * * * *", "OnFailure"), cronJob("*/5 * * * *", "Never"), false},
		// this round's

		{"a valid pod change", deployment(pod), deployment(strings.Replace(pod, "value: a", "value: b", 1)), false},
		// a field the schema does not declare: helm 3's patch drops it (the
		// review says it may fail, for helm 4, not that it will)
		{"a container field the schema does not declare", deployment(pod), deployment(strings.Replace(pod, "image: nginx:1", "image: nginx:1\n        Image: nginx:2", 1)), false},
		{"a typo of a spec field", deployment(pod), strings.Replace(deployment(pod), "  replicas: 2\n", "  replicas: 2\n  replica: 3\n", 1), false},
		// two items of an associative list with the same keys: helm 3's
		// patch merges them, and the API server takes two env vars of one
		// name or two ports of one number with other names
		{"an env var repeated", deployment(pod), deployment(strings.Replace(pod, "          value: a\n", "          value: a\n        - name: MODE\n          value: b\n", 1)), false},
		{"a container port repeated under another name", deployment(pod), deployment(strings.Replace(pod, "          name: http\n", "          name: http\n        - containerPort: 80\n          name: http2\n", 1)), false},
		{"an image pull secret repeated", deployment(pod), deployment("      imagePullSecrets:\n      - name: a\n      - name: a\n" + pod), false},
		// ... and two containers of one name, or two mounts of one path,
		// whose repeated keys validation refuses in a created object
		{"a second container of one name", deployment(pod), deployment(strings.Replace(pod, "      volumes:\n", "      - name: web\n        image: nginx:2\n      volumes:\n", 1)), false},
		{"a second mount of one path", deployment(pod), deployment(strings.Replace(pod, "          mountPath: /cache\n", "          mountPath: /cache\n        - name: cache\n          mountPath: /cache\n", 1)), false},
		{"a mount of a volume the pod has not", deployment(pod), deployment(strings.Replace(pod, "        - name: cache\n          mountPath", "        - name: tmp\n          mountPath", 1)), true},
		{"a volume of two sources", deployment(pod), deployment(strings.Replace(pod, "emptyDir: {}", "emptyDir: {}\n        configMap: {name: cfg}", 1)), true},
		{"a volume's source replaced", deployment(pod), deployment(strings.Replace(pod, "emptyDir: {}", "configMap: {name: cfg}", 1)), false},
		{"an env name with '='", deployment(pod), deployment(strings.Replace(pod, "name: MODE", "name: MODE=a", 1)), true},
		{"an env name of any printable ASCII", deployment(pod), deployment(strings.Replace(pod, "name: MODE", "name: 1.mode-x", 1)), false},
		{"two ports of one name", deployment(pod), deployment(strings.Replace(pod, "          name: http\n", "          name: http\n        - containerPort: 81\n          name: http\n", 1)), true},
		{"a negative user id", deployment(pod), deployment("      securityContext:\n        runAsUser: -1\n" + pod), true},
		{"a resource name misspelt", deployment(withResources), deployment(strings.Replace(withResources, "requests:\n            memory: 512Mi", "requests:\n            memroy: 512Mi", 1)), true},
		{"an extended resource limit", deployment(withResources), deployment(strings.Replace(withResources, "limits:\n            memory: 1Gi", "limits:\n            memory: 1Gi\n            example.com/fpga: 1", 1)), false},
		{"a StatefulSet's mount of its claim template", statefulSet("data"), strings.Replace(statefulSet("data"), "postgres:16", "postgres:17", 1), false},
		{"a StatefulSet's mount of neither a volume nor a claim template", statefulSet("data"), statefulSet("wal"), true},
		{"a StatefulSet's pod template value out of its enumeration", statefulSet("data"), strings.Replace(statefulSet("data"), "image: postgres:16", "image: postgres:16\n        imagePullPolicy: Sometimes", 1), true},
		{"a config key with a slash", configMap("app.yaml", "example.com/owner"), configMap("conf/app.yaml", "example.com/owner"), true},
		{"an annotation key with a space", configMap("app.yaml", "example.com/owner"), configMap("app.yaml", `"owner team"`), true},
		{"an ingress host with a scheme", ingress("shop.example.com", "/api"), ingress("https://shop.example.com", "/api"), true},
		{"an ingress host an IP address", ingress("shop.example.com", "/api"), ingress("192.168.0.10", "/api"), true},
		{"an ingress path relative", ingress("shop.example.com", "/api"), ingress("shop.example.com", "api"), true},
		{"an ingress host a wildcard", ingress("shop.example.com", "/api"), ingress(`"*.example.com"`, "/api"), false},
		{"an ingress Prefix path with '//'", ingress("shop.example.com", "/api"), ingress("shop.example.com", "/api//v2"), true},
		{"an ingress Prefix path with an encoded slash", ingress("shop.example.com", "/api"), ingress("shop.example.com", "/api%2Fv2"), true},
		{"an ingress Prefix path with a dot in a name", ingress("shop.example.com", "/api"), ingress("shop.example.com", "/.well-known/v1.2"), false},
		{"an ingress ImplementationSpecific path with '//'", ingress("shop.example.com", "/api"), strings.Replace(ingress("shop.example.com", "/api//v2"), "pathType: Prefix", "pathType: ImplementationSpecific", 1), false},
		{"an ingress path without a type", ingress("shop.example.com", "/api"), strings.Replace(ingress("shop.example.com", "/api"), "        pathType: Prefix\n", "", 1), true},
		{"an ingress port by name and number", ingress("shop.example.com", "/api"), strings.Replace(ingress("shop.example.com", "/api"), "              number: 80\n", "              number: 80\n              name: http\n", 1), true},
		{"an ingress port by name", ingress("shop.example.com", "/api"), strings.Replace(ingress("shop.example.com", "/api"), "number: 80", "name: http", 1), false},
		{"a config key in data and binaryData", configMap("app.yaml", "example.com/owner"), configMap("app.yaml", "example.com/owner") + "binaryData:\n  app.yaml: aGVsbG8=\n", true},
		{"a config key in binaryData alone", configMap("app.yaml", "example.com/owner"), configMap("app.yaml", "example.com/owner") + "binaryData:\n  logo.png: aGVsbG8=\n", false},
		{"a ConfigMap above 1 MiB", configMap("app.yaml", "example.com/owner"), configMap("app.yaml", "example.com/owner") + "  big.txt: " + strings.Repeat("x", 1<<20) + "\n", true},
		{"a ConfigMap of 1 MiB exactly", configMap("app.yaml", "example.com/owner"), configMap("app.yaml", "example.com/owner") + "  big.txt: " + strings.Repeat("x", 1<<20-len("port: 80")) + "\n", false},
		{"an autoscaler's minimum above its maximum", autoscaler("2", "10"), autoscaler("20", "10"), true},
		{"an autoscaler's minimum at its maximum", autoscaler("2", "10"), autoscaler("10", "10"), false},
		{"a budget of both kinds", budget(""), budget("  maxUnavailable: 1\n"), true},
		{"a budget above 100%", budget(""), strings.Replace(budget(""), "minAvailable: 1", "minAvailable: 150%", 1), true},
		{"a budget of 100%", budget(""), strings.Replace(budget(""), "minAvailable: 1", "minAvailable: 100%", 1), false},
		{"maxUnavailable above 100%", deployment(pod), withStrategy(deployment(pod), "  strategy:\n    rollingUpdate:\n      maxUnavailable: 150%\n"), true},
		{"maxUnavailable a quoted number", deployment(pod), withStrategy(deployment(pod), "  strategy:\n    rollingUpdate:\n      maxUnavailable: \"1\"\n"), true},
		{"maxSurge above 100% for a Deployment", deployment(pod), withStrategy(deployment(pod), "  strategy:\n    rollingUpdate:\n      maxSurge: 150%\n"), false},
		{"maxUnavailable and maxSurge 0", deployment(pod), withStrategy(deployment(pod), "  strategy:\n    rollingUpdate:\n      maxUnavailable: 0\n      maxSurge: 0%\n"), true},
		{"maxUnavailable 0 beside the default maxSurge", deployment(pod), withStrategy(deployment(pod), "  strategy:\n    rollingUpdate:\n      maxUnavailable: 0\n"), false},
		{"Recreate beside rollingUpdate", deployment(pod), withStrategy(deployment(pod), "  strategy:\n    type: Recreate\n    rollingUpdate:\n      maxSurge: 1\n"), true},
		{"a Deployment switched to Recreate", deployment(pod), withStrategy(deployment(pod), "  strategy:\n    type: Recreate\n"), false},
		{"a DaemonSet surging beside the default maxUnavailable", daemonSet(""), daemonSet("  updateStrategy:\n    rollingUpdate:\n      maxSurge: 1\n"), true},
		{"a DaemonSet surging", daemonSet(""), daemonSet("  updateStrategy:\n    rollingUpdate:\n      maxSurge: 1\n      maxUnavailable: 0\n"), false},
		{"a StatefulSet's maxUnavailable 0", statefulSet("data"), withStrategy(statefulSet("data"), "  updateStrategy:\n    rollingUpdate:\n      maxUnavailable: 0\n"), true},
		{"a StatefulSet's OnDelete beside rollingUpdate", statefulSet("data"), withStrategy(statefulSet("data"), "  updateStrategy:\n    type: OnDelete\n    rollingUpdate:\n      partition: 0\n"), true},
		// the live object keeps the rollingUpdate the server defaulted
		{"a StatefulSet switched to OnDelete", statefulSet("data"), withStrategy(statefulSet("data"), "  updateStrategy:\n    type: OnDelete\n"), true},
		{"a StatefulSet switched to OnDelete, rollingUpdate null", statefulSet("data"), withStrategy(statefulSet("data"), "  updateStrategy:\n    type: OnDelete\n    rollingUpdate: null\n"), false},
		{"a StatefulSet's rollingUpdate set, then OnDelete", withStrategy(statefulSet("data"), "  updateStrategy:\n    rollingUpdate:\n      partition: 0\n"), withStrategy(statefulSet("data"), "  updateStrategy:\n    type: OnDelete\n"), false},
		// a probe or a lifecycle hook runs one handler
		{"a probe of two handlers", deployment(pod), deployment(strings.Replace(pod, "image: nginx:1\n", "image: nginx:1\n        readinessProbe:\n          httpGet: {port: 80}\n          tcpSocket: {port: 80}\n", 1)), true},
		{"a probe without a handler", deployment(pod), deployment(strings.Replace(pod, "image: nginx:1\n", "image: nginx:1\n        livenessProbe:\n          periodSeconds: 5\n", 1)), true},
		{"a probe's handler replaced", deployment(strings.Replace(pod, "image: nginx:1\n", "image: nginx:1\n        readinessProbe:\n          httpGet: {port: 80}\n", 1)), deployment(strings.Replace(pod, "image: nginx:1\n", "image: nginx:1\n        readinessProbe:\n          tcpSocket: {port: 80}\n", 1)), false},
		{"a preStop hook of two handlers", deployment(pod), deployment(strings.Replace(pod, "image: nginx:1\n", "image: nginx:1\n        lifecycle:\n          preStop:\n            sleep: {seconds: 5}\n            exec: {command: [sh]}\n", 1)), true},
		{"a preStop hook sleeping", deployment(pod), deployment(strings.Replace(pod, "image: nginx:1\n", "image: nginx:1\n        lifecycle:\n          preStop:\n            sleep: {seconds: 5}\n", 1)), false},
		{"a postStart hook of a TCP socket", deployment(pod), deployment(strings.Replace(pod, "image: nginx:1\n", "image: nginx:1\n        lifecycle:\n          postStart:\n            tcpSocket: {port: 80}\n", 1)), false},
		// an env var's value from one place; a pod's own DNS names a server
		{"an env var of a value and a source", deployment(pod), deployment(strings.Replace(pod, "          value: a\n", "          value: a\n          valueFrom: {fieldRef: {fieldPath: metadata.name}}\n", 1)), true},
		{"an env var of two sources", deployment(pod), deployment(strings.Replace(pod, "          value: a\n", "          valueFrom: {fieldRef: {fieldPath: metadata.name}, secretKeyRef: {name: s, key: k}}\n", 1)), true},
		{"an env var from a source", deployment(pod), deployment(strings.Replace(pod, "          value: a\n", "          valueFrom: {secretKeyRef: {name: s, key: k}}\n", 1)), false},
		{"an envFrom of two sources", deployment(pod), deployment(strings.Replace(pod, "        env:\n", "        envFrom:\n        - {configMapRef: {name: a}, secretRef: {name: b}}\n        env:\n", 1)), true},
		{"an envFrom of a prefix alone", deployment(pod), deployment(strings.Replace(pod, "        env:\n", "        envFrom:\n        - {prefix: A_}\n        env:\n", 1)), true},
		{"an envFrom of a secret", deployment(pod), deployment(strings.Replace(pod, "        env:\n", "        envFrom:\n        - {prefix: A_, secretRef: {name: b}}\n        env:\n", 1)), false},
		{"dnsPolicy None without dnsConfig", deployment(pod), deployment("      dnsPolicy: None\n" + pod), true},
		{"dnsPolicy None without a nameserver", deployment(pod), deployment("      dnsPolicy: None\n      dnsConfig: {searches: [example.com]}\n" + pod), true},
		{"dnsPolicy None with a nameserver", deployment(pod), deployment("      dnsPolicy: None\n      dnsConfig: {nameservers: [10.0.0.10]}\n" + pod), false},
		// the server takes a negative grace period (and runs it as 1 s)
		{"a negative termination grace period", deployment(pod), deployment("      terminationGracePeriodSeconds: -5\n" + pod), false},
		// a Secret's data is base64 (the review names the key, never the value)
		{"a Secret's value not base64", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: aGVsbG8=\n", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: hunter2\n", true},
		{"a Secret's value base64", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: aGVsbG8=\n", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: aGVsbG9v\n", false},
		// a claim names an access mode and a size; a Secret of a type holds
		// that type's keys
		{"a claim without an access mode", configMap("app.yaml", "example.com/owner"), claim("  resources: {requests: {storage: 1Gi}}\n"), true},
		{"a claim without a storage request", configMap("app.yaml", "example.com/owner"), claim("  accessModes: [ReadWriteOnce]\n"), true},
		{"a claim of both", configMap("app.yaml", "example.com/owner"), claim("  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"), false},
		{"a StatefulSet's claim template without a storage request", configMap("app.yaml", "example.com/owner"), strings.Replace(statefulSet("data"), "      resources:\n        requests:\n          storage: 1Gi\n", "", 1), true},
		{"a TLS Secret without its key", configMap("app.yaml", "example.com/owner"), typedSecret("kubernetes.io/tls", "tls.crt"), true},
		{"a TLS Secret of both keys, one in stringData", configMap("app.yaml", "example.com/owner"), typedSecret("kubernetes.io/tls", "tls.crt") + "stringData:\n  tls.key: x\n", false},
		{"a basic-auth Secret of a password alone", configMap("app.yaml", "example.com/owner"), typedSecret("kubernetes.io/basic-auth", "password"), false},
		{"a basic-auth Secret of neither", configMap("app.yaml", "example.com/owner"), typedSecret("kubernetes.io/basic-auth", "user"), true},
		{"a service account token without its account", configMap("app.yaml", "example.com/owner"), typedSecret("kubernetes.io/service-account-token", "token"), true},
		// a spread constraint skews by one at least, on a key; a Deployment's
		// progress deadline (600 s where unset) exceeds its minimum ready
		// time; a toleration without a key matches every taint
		{"a spread constraint of maxSkew 0", deployment(pod), deployment("      topologySpreadConstraints:\n      - {maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: web}}}\n" + pod), true},
		{"a spread constraint without a topology key", deployment(pod), deployment("      topologySpreadConstraints:\n      - {maxSkew: 1, topologyKey: '', whenUnsatisfiable: DoNotSchedule}\n" + pod), true},
		{"minReadySeconds beyond the default progress deadline", deployment(pod), strings.Replace(deployment(pod), "  replicas: 2\n", "  replicas: 2\n  minReadySeconds: 700\n", 1), true},
		{"minReadySeconds within a longer progress deadline", deployment(pod), strings.Replace(deployment(pod), "  replicas: 2\n", "  replicas: 2\n  minReadySeconds: 700\n  progressDeadlineSeconds: 900\n", 1), false},
		{"a toleration of Exists with a value", deployment(pod), deployment("      tolerations:\n      - {key: a, operator: Exists, value: b}\n" + pod), true},
		{"a toleration without a key, of Equal", deployment(pod), deployment("      tolerations:\n      - {value: b, effect: NoSchedule}\n" + pod), true},
		{"a toleration of every taint", deployment(pod), deployment("      tolerations:\n      - {operator: Exists}\n" + pod), false},
		// a Service's fields as its type takes them
		{"a ClusterIP Service of a nodePort", service("  - port: 80\n    name: http\n"), service("  - port: 80\n    name: http\n    nodePort: 30080\n"), true},
		{"a NodePort Service of a nodePort", service("  - port: 80\n    name: http\n"), strings.Replace(service("  - port: 80\n    name: http\n    nodePort: 30081\n"), "spec:\n", "spec:\n  type: NodePort\n", 1), false},
		{"a ClusterIP Service of an external traffic policy", service("  - port: 80\n    name: http\n"), strings.Replace(service("  - port: 80\n    name: http\n"), "spec:\n", "spec:\n  externalTrafficPolicy: Local\n", 1), true},
		{"a headless Service made a LoadBalancer", strings.Replace(service("  - port: 80\n    name: http\n"), "spec:\n", "spec:\n  clusterIP: None\n", 1), strings.Replace(service("  - port: 80\n    name: http\n"), "spec:\n", "spec:\n  clusterIP: None\n  type: LoadBalancer\n", 1), true},
		{"a Service without ports", service("  - port: 80\n    name: http\n"), strings.Replace(service(""), "  ports:\n", "  ports: []\n", 1), true},
		{"a headless Service without ports", strings.Replace(service("  - port: 80\n    name: http\n"), "spec:\n", "spec:\n  clusterIP: None\n", 1), strings.Replace(strings.Replace(service(""), "  ports:\n", "  ports: []\n", 1), "spec:\n", "spec:\n  clusterIP: None\n", 1), false},
		// the server's defaults drop it beside sessionAffinity None
		{"a session affinity config without ClientIP", service("  - port: 80\n    name: http\n"), strings.Replace(service("  - port: 80\n    name: http\n"), "spec:\n", "spec:\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}\n", 1), false},
		{"source ranges of a NodePort Service", service("  - port: 80\n    name: http\n"), strings.Replace(service("  - port: 80\n    name: http\n"), "spec:\n", "spec:\n  type: NodePort\n  loadBalancerSourceRanges: [10.0.0.0/8]\n", 1), true},
		{"an ExternalName Service without its name", service("  - port: 80\n    name: http\n"), strings.Replace(service("  - port: 80\n    name: http\n"), "spec:\n", "spec:\n  type: ExternalName\n", 1), true},
		{"a Service made an ExternalName", service("  - port: 80\n    name: http\n"), strings.Replace(service("  - port: 80\n    name: http\n"), "spec:\n", "spec:\n  type: ExternalName\n  externalName: db.example.com\n", 1), false},
		// what an RBAC rule and a binding must name
		{"a Role's rule without an API group", rbac("Role", "rules:\n- {apiGroups: [''], resources: [pods], verbs: [get]}\n"), rbac("Role", "rules:\n- {resources: [pods], verbs: [get]}\n"), true},
		{"a Role's rule of no verbs", rbac("Role", "rules:\n- {apiGroups: [''], resources: [pods], verbs: [get]}\n"), rbac("Role", "rules:\n- {apiGroups: [''], resources: [pods], verbs: []}\n"), true},
		{"a Role's rule of non-resource URLs", rbac("Role", "rules:\n- {apiGroups: [''], resources: [pods], verbs: [get]}\n"), rbac("Role", "rules:\n- {nonResourceURLs: [/metrics], verbs: [get]}\n"), true},
		{"a Role's rule of another resource", rbac("Role", "rules:\n- {apiGroups: [''], resources: [pods], verbs: [get]}\n"), rbac("Role", "rules:\n- {apiGroups: [apps], resources: [deployments], verbs: [get]}\n"), false},
		{"a ClusterRoleBinding's service account without a namespace", rbac("ClusterRoleBinding", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: ServiceAccount, name: app, namespace: default}\n"), rbac("ClusterRoleBinding", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: ServiceAccount, name: app}\n"), true},
		{"a RoleBinding's service account without a namespace", rbac("RoleBinding", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: ServiceAccount, name: app, namespace: default}\n"), rbac("RoleBinding", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: ServiceAccount, name: app}\n"), false},
		{"a binding's subject kind in lower case", rbac("RoleBinding", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: ServiceAccount, name: app}\n"), rbac("RoleBinding", "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: serviceaccount, name: app}\n"), true},
		// an autoscaler's metric sets the source its type names, and a target
		{"an autoscaler metric without its source", autoscaler("2", "10") + "  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}\n", autoscaler("2", "10") + "  metrics:\n  - type: Resource\n", true},
		{"an autoscaler metric of v2beta1's fields", autoscaler("2", "10") + "  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}\n", autoscaler("2", "10") + "  metrics:\n  - type: Resource\n    resource: {name: cpu, targetAverageUtilization: 80}\n", true},
		{"an autoscaler metric retargeted", autoscaler("2", "10") + "  metrics:\n  - type: Resource\n    resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}\n", autoscaler("2", "10") + "  metrics:\n  - type: Resource\n    resource: {name: memory, target: {type: AverageValue, averageValue: 500Mi}}\n", false},
		// an item added without a field the server requires; a container
		// renamed (the old one deleted, the new one created)
		{"a container added without a name", deployment(pod), deployment(strings.Replace(pod, "      volumes:\n", "      - image: busybox:1\n        args: [sleep, \"1\"]\n      volumes:\n", 1)), true},
		{"a container added with a null name", deployment(pod), deployment(strings.Replace(pod, "      volumes:\n", "      - name: null\n        image: busybox:1\n      volumes:\n", 1)), true},
		{"a container added without an image", deployment(pod), deployment(strings.Replace(pod, "      volumes:\n", "      - name: side\n        args: [sleep, \"1\"]\n      volumes:\n", 1)), true},
		{"an env var added without a name", deployment(pod), deployment(strings.Replace(pod, "          value: a\n", "          value: a\n        - value: b\n", 1)), true},
		{"a container port added without its number", deployment(pod), deployment(strings.Replace(pod, "          name: http\n", "          name: http\n        - name: admin\n", 1)), true},
		{"a Service port added without its number", service("  - port: 80\n    name: http\n"), service("  - port: 80\n    name: http\n  - name: admin\n    targetPort: 9000\n"), true},
		{"a container renamed", deployment(pod), deployment(strings.Replace(pod, "      - name: web\n", "      - name: web2\n", 1)), false},
		// a field that may not change once set, its default removed: the
		// server sets it again
		{"a Secret's type Opaque removed", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ntype: Opaque\ndata:\n  a: aGVsbG8=\n", "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  a: aGVsbG8=\n", false},
		{"a StatefulSet's default pod management policy removed", strings.Replace(statefulSet("data"), "  serviceName: db\n", "  serviceName: db\n  podManagementPolicy: OrderedReady\n", 1), statefulSet("data"), false},
		{"a StatefulSet's pod management policy Parallel removed", strings.Replace(statefulSet("data"), "  serviceName: db\n", "  serviceName: db\n  podManagementPolicy: Parallel\n", 1), statefulSet("data"), true},
		// a CRD keeps the version its resources are stored in
		{"a CRD's storage version removed", twoVersions("stored.example.com", "v1alpha1"), twoVersions("stored.example.com", ""), true},
		{"a CRD's other version removed", twoVersions("served.example.com", "v1"), twoVersions("served.example.com", ""), false},
		// a value repeated in a set: helm 3's patch takes it
		{"a finalizer repeated", withFinalizers(configMap("app.yaml", "example.com/owner"), "example.com/a"), withFinalizers(configMap("app.yaml", "example.com/owner"), "example.com/a", "example.com/a"), false},
		// an Indexed Job's completions change only in tandem with its
		// parallelism (found: both were "helm upgrade will fail")
		{"an elastic Indexed Job grown", indexedJob(4, 4), indexedJob(6, 6), false},
		{"an Indexed Job's completions alone", indexedJob(4, 4), indexedJob(6, 4), true},
		// a volume's node affinity may be set where it had none, and is
		// immutable once set (found: setting it was "will fail"); each
		// case's volume is its own (the protection finalizer the API
		// server adds keeps a deleted one, with no controller to end it)
		{"a volume's node affinity set", volume("pv-set", ""), volume("pv-set", "a"), false},
		{"a volume's node affinity changed", volume("pv-changed", "a"), volume("pv-changed", "b"), true},
	}
	valuesDir := t.TempDir()
	// values writes a values file of the chart for doc, the which-th of
	// namespace ns: a file named by the namespace, as helm takes a comma
	// in -f as a list and a '%' as a URL escape
	values := func(t *testing.T, ns string, which int, doc string) string {
		f := filepath.Join(valuesDir, ns+"-"+itoa(which)+".yaml")
		writeFile(t, f, "doc: |\n  "+strings.ReplaceAll(strings.TrimSuffix(doc, "\n"), "\n", "\n  ")+"\n")
		return f
	}
	// upgrade installs a release of old with helm h, reviews the upgrade
	// to new, runs it, and says whether the server refused it and what
	// the review said
	upgrade := func(t *testing.T, h helmUnderTest, name, old, new string, reviewArgs ...string) (failed bool, review string, up testenv.Result) {
		ns := namespaceFor(name)
		h.MustRun(t, "install", "one", chartDir, "-n", ns, "--create-namespace", "-f", values(t, ns, 1, old))
		newValues := values(t, ns, 2, new)
		r := safediff(t, h, ns, append([]string{"upgrade", "one", chartDir, "-f", newValues, "--plan"}, reviewArgs...)...)
		if r.Code != 0 && r.Code != 2 {
			t.Fatalf("the review failed:\n%s", r)
		}
		up = h.Run(nil, nil, "upgrade", "one", chartDir, "-n", ns, "-f", newValues)
		h.Run(nil, nil, "uninstall", "one", "-n", ns)
		return up.Code != 0, r.Stdout, up
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failed, review, up := upgrade(t, h, "refusals-"+itoa(i), tt.old, tt.new)
			predicted := strings.Contains(review, "helm upgrade will fail")
			if failed != tt.fails || predicted != tt.fails {
				t.Errorf("the server refused it: %v; the review said it would: %v; the case says %v\nreview:\n%s\nhelm upgrade:\n%s", failed, predicted, tt.fails, review, up)
			}
		})
	}
	// helm 4 applies the releases it installs server-side: the live object
	// keeps the rollingUpdate the server defaulted, null or not, where helm
	// 3's patch removes it; a field the schema does not declare is refused
	// (field not declared in schema), where helm 3's patch drops it; and
	// two items of an associative list with the same keys are refused
	// (duplicate entries for key), where helm 3's patch merges them, and a
	// value twice in a set, which helm 3's patch takes. The
	// review cannot tell which helm applies the upgrade, and says each may
	// fail.
	h4 := suite.helms[len(suite.helms)-1]
	for i, tt := range []struct {
		name, old, new string
		fails          bool
	}{
		{"a Deployment switched to Recreate", deployment(pod), withStrategy(deployment(pod), "  strategy:\n    type: Recreate\n"), true},
		{"a container field the schema does not declare", deployment(pod), deployment(strings.Replace(pod, "image: nginx:1", "image: nginx:1\n        Image: nginx:2", 1)), true},
		{"a typo of a spec field", deployment(pod), strings.Replace(deployment(pod), "  replicas: 2\n", "  replicas: 2\n  replica: 3\n", 1), true},
		{"a declared field added", deployment(pod), deployment(strings.Replace(pod, "image: nginx:1", "image: nginx:1\n        imagePullPolicy: Always", 1)), false},
		{"an env var repeated", deployment(pod), deployment(strings.Replace(pod, "          value: a\n", "          value: a\n        - name: MODE\n          value: b\n", 1)), true},
		{"a container port repeated under another name", deployment(pod), deployment(strings.Replace(pod, "          name: http\n", "          name: http\n        - containerPort: 80\n          name: http2\n", 1)), true},
		{"one container port by two protocols", deployment(pod), deployment(strings.Replace(pod, "          name: http\n", "          name: http\n        - containerPort: 80\n          protocol: UDP\n          name: http-udp\n", 1)), false},
		{"an image pull secret repeated", deployment(pod), deployment("      imagePullSecrets:\n      - name: a\n      - name: a\n" + pod), true},
		{"a second container of one name", deployment(pod), deployment(strings.Replace(pod, "      volumes:\n", "      - name: web\n        image: nginx:2\n      volumes:\n", 1)), true},
		{"a StatefulSet switched to OnDelete, rollingUpdate null", statefulSet("data"), withStrategy(statefulSet("data"), "  updateStrategy:\n    type: OnDelete\n    rollingUpdate: null\n"), true},
		{"a StatefulSet's rollingUpdate set, then OnDelete", withStrategy(statefulSet("data"), "  updateStrategy:\n    rollingUpdate:\n      partition: 0\n"), withStrategy(statefulSet("data"), "  updateStrategy:\n    type: OnDelete\n"), false},
		{"a finalizer repeated", withFinalizers(configMap("app.yaml", "example.com/owner"), "example.com/a"), withFinalizers(configMap("app.yaml", "example.com/owner"), "example.com/a", "example.com/a"), true},
		{"a second finalizer", withFinalizers(configMap("app.yaml", "example.com/owner"), "example.com/a"), withFinalizers(configMap("app.yaml", "example.com/owner"), "example.com/a", "example.com/b"), false},
		// a claim grows only where it is bound and its class allows it,
		// which the diff does not show (found on a real chart: safe)
		{"a claim grown, not bound", claim("  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n"), claim("  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 2Gi}}\n"), true},
	} {
		t.Run(h4.name+" server-side, "+tt.name, func(t *testing.T) {
			failed, review, up := upgrade(t, h4, "refusals-ssa-"+itoa(i), tt.old, tt.new)
			predicted := strings.Contains(review, "helm upgrade will fail") || strings.Contains(review, "helm upgrade may fail")
			if failed != tt.fails || predicted != tt.fails {
				t.Errorf("the server refused it: %v; the review said it might: %v; the case says %v\nreview:\n%s\nhelm upgrade:\n%s", failed, predicted, tt.fails, review, up)
			}
			if failed && !strings.Contains(review, "Gate: FAIL") {
				t.Errorf("the server refused it, and the review's gate passed it\nreview:\n%s", review)
			}
		})
	}
	// helm hooks: helm creates a hook's object at the events it names
	// (deleting it first under before-hook-creation, the default), never
	// patches it, and leaves out of the release an object that was one.
	// An immutable ConfigMap shows which: its data cannot be patched.
	hooked := func(hook, policy, value string) string {
		annotations := ""
		if hook != "" {
			annotations = "  annotations:\n    helm.sh/hook: " + hook + "\n"
			if policy != "" {
				annotations += "    helm.sh/hook-delete-policy: " + policy + "\n"
			}
		}
		return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hooked\n" + annotations + "immutable: true\ndata:\n  a: \"" + value + "\"\n"
	}
	for i, tt := range []struct {
		name     string
		h        helmUnderTest
		old, new string
		fails    bool
		// offline: reviewed without --cluster, as helm's server-side
		// render (which --cluster needs) already refuses the upgrade
		offline bool
	}{
		{"an immutable ConfigMap's data", h, hooked("", "", "1"), hooked("", "", "2"), true, false},
		{"an upgrade hook's immutable data", h, hooked("pre-install,pre-upgrade", "", "1"), hooked("pre-install,pre-upgrade", "", "2"), false, false},
		{"an upgrade hook's immutable data, kept after success", h, hooked("pre-install,pre-upgrade", "hook-failed", "1"), hooked("pre-install,pre-upgrade", "hook-failed", "2"), true, false},
		{"an upgrade hook's immutable data, deleted after success", h, hooked("pre-install,pre-upgrade", "hook-succeeded", "1"), hooked("pre-install,pre-upgrade", "hook-succeeded", "2"), false, false},
		{"an install hook's immutable data", h, hooked("pre-install", "", "1"), hooked("pre-install", "", "2"), false, false},
		{"an install hook made a resource", h, hooked("pre-install", "", "1"), hooked("", "", "1"), true, true},
		{"a resource made an install hook", h, hooked("", "", "1"), hooked("pre-install", "", "1"), false, false},
		{h4.name + " an upgrade hook's immutable data", h4, hooked("pre-install,pre-upgrade", "", "1"), hooked("pre-install,pre-upgrade", "", "2"), false, false},
	} {
		t.Run("hook: "+tt.name, func(t *testing.T) {
			// asked of the server too: helm creates a hook anew, so the
			// server's answer to an update of it does not count
			var args []string
			if !tt.offline {
				args = append(args, "--cluster")
			}
			failed, review, up := upgrade(t, tt.h, "refusals-hook-"+itoa(i), tt.old, tt.new, args...)
			predicted := strings.Contains(review, "helm upgrade will fail") || strings.Contains(review, "helm upgrade may fail")
			if failed != tt.fails || predicted != tt.fails {
				t.Errorf("helm upgrade failed: %v; the review said it might: %v; the case says %v\nreview:\n%s\nhelm upgrade:\n%s", failed, predicted, tt.fails, review, up)
			}
		})
	}
	// piped: helm diff's output reviewed with --cluster rebuilds the
	// objects from the diff, hooks among them; the server, asked about an
	// update of the hook's immutable data, would refuse it
	t.Run("hook: piped, reviewed with --cluster", func(t *testing.T) {
		ns := namespaceFor("refusals-hook-piped")
		h.MustRun(t, "install", "one", chartDir, "-n", ns, "--create-namespace", "-f", values(t, ns, 1, hooked("pre-install,pre-upgrade", "", "1")))
		defer h.Run(nil, nil, "uninstall", "one", "-n", ns)
		newValues := values(t, ns, 2, hooked("pre-install,pre-upgrade", "", "2"))
		d := h.Run(nil, nil, "diff", "upgrade", "one", chartDir, "-n", ns, "-f", newValues, "--context", "-1", "--no-color")
		if d.Code != 0 {
			t.Fatalf("helm diff:\n%s", d)
		}
		diffFile := filepath.Join(t.TempDir(), "one.diff")
		writeFile(t, diffFile, d.Stdout)
		r := safediff(t, h, ns, "review", diffFile, "--cluster")
		wantExit(t, r, 0)
		wantIn(t, "review --cluster", r.Stdout, "is a helm hook: helm creates it anew", "a helm hook: helm creates it at the events it names")
		h.MustRun(t, "upgrade", "one", chartDir, "-n", ns, "-f", newValues)
	})
	// a new object in a namespace that does not exist: the server's
	// namespace lifecycle refuses it, and helm upgrade fails, unless the
	// upgrade creates the namespace (helm applies Namespaces first).
	// Found: --cluster noted the server's "not found" and passed.
	plain := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\ndata:\n  a: \"1\"\n"
	elsewhere := func(ns string) string {
		return plain + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: elsewhere\n  namespace: " + ns + "\ndata:\n  a: \"1\"\n"
	}
	made := namespaceFor("refusals-ns-made")
	for i, tt := range []struct {
		name, new string
		fails     bool
	}{
		{"an object in a namespace that does not exist", elsewhere(namespaceFor("refusals-ns-absent")), true},
		{"an object in a namespace the upgrade creates", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + made + "\n---\n" + elsewhere(made), false},
	} {
		t.Run("namespace: "+tt.name, func(t *testing.T) {
			failed, review, up := upgrade(t, h, "refusals-ns-"+itoa(i), plain, tt.new, "--cluster")
			predicted := strings.Contains(review, "helm upgrade will fail")
			if failed != tt.fails || predicted != tt.fails {
				t.Errorf("helm upgrade failed: %v; the review said it would: %v; the case says %v\nreview:\n%s\nhelm upgrade:\n%s", failed, predicted, tt.fails, review, up)
			}
		})
	}
	// helm upgrade does not delete an object whose resource policy is
	// keep, gone from the chart (the review's helm-keep: a Stevedore plan
	// shows such a removal; helm diff leaves it out)
	t.Run("keep: an object of resource policy keep, gone from the chart", func(t *testing.T) {
		ns := namespaceFor("refusals-keep")
		kept := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\n  annotations:\n    helm.sh/resource-policy: keep\ndata:\n  a: \"1\"\n"
		h.MustRun(t, "install", "one", chartDir, "-n", ns, "--create-namespace", "-f", values(t, ns, 1, kept))
		defer h.Run(nil, nil, "uninstall", "one", "-n", ns)
		gone := values(t, ns, 2, "# nothing\n")
		d := h.Run(nil, nil, "diff", "upgrade", "one", chartDir, "-n", ns, "-f", gone, "--context", "-1", "--no-color")
		if d.Code != 0 || strings.Contains(d.Stdout, "kept") {
			t.Errorf("helm diff shows the kept object's removal (or failed):\n%s", d)
		}
		h.MustRun(t, "upgrade", "one", chartDir, "-n", ns, "-f", gone)
		var cm struct {
			Data map[string]string `json:"data"`
		}
		if err := apiClient(t).Do(context.Background(), kubeapi.Request{Method: http.MethodGet, Path: kubeapi.Path("", "v1", ns, "configmaps", "kept")}, &cm); err != nil || cm.Data["a"] != "1" {
			t.Errorf("the kept ConfigMap after the upgrade: %+v, %v", cm, err)
		}
	})
}

// TestUnservedKindsAsTheServerSays holds the review's "helm upgrade will
// fail" for a kind the API server does not serve to it: of an API version
// Kubernetes no longer serves, or misspelt in a built-in group. helm diff
// against the cluster refuses to render such a chart (so does safediff
// upgrade, which runs it): the case is a diff made without validation, as
// pipelines that diff offline make it.
func TestUnservedKindsAsTheServerSays(t *testing.T) {
	if suite.skip != "" {
		t.Skip(suite.skip)
	}
	h := suite.helms[0]
	chartDir := oneObjectChart(t, "apiVersion: {{ .Values.api }}\nkind: {{ .Values.kind }}\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1\n")
	for i, tt := range []struct {
		name, api, kind string
		review, server  string // what each says
	}{
		{"a removed API version", "apps/v1beta2", "Deployment", "helm upgrade will fail: Kubernetes 1.16 and later do not serve apps/v1beta2 Deployment", `no matches for kind "Deployment" in version "apps/v1beta2"`},
		{"a kind misspelt", "apps/v1", "Deploymnet", "helm upgrade will fail: Kubernetes serves no apps/v1 Deploymnet", `no matches for kind "Deploymnet" in version "apps/v1"`},
		{"a kind of another group", "v1", "Deployment", "helm upgrade will fail: Kubernetes serves no v1 Deployment", `no matches for kind "Deployment" in version "v1"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ns := namespaceFor("unserved-" + itoa(i))
			h.MustRun(t, "install", "one", chartDir, "-n", ns, "--create-namespace", "--set", "api=apps/v1,kind=Deployment")
			defer h.Run(nil, nil, "uninstall", "one", "-n", ns)
			set := "api=" + tt.api + ",kind=" + tt.kind
			d := h.Run(nil, nil, "diff", "upgrade", "one", chartDir, "-n", ns, "--set", set, "--context", "-1", "--no-color", "--disable-validation")
			if d.Code != 0 && d.Code != 2 {
				t.Fatalf("helm diff:\n%s", d)
			}
			diffFile := filepath.Join(t.TempDir(), "one.diff")
			writeFile(t, diffFile, d.Stdout)
			r := safediff(t, h, ns, "review", diffFile)
			wantExit(t, r, 2)
			wantIn(t, "review", r.Stdout, tt.review)
			up := h.Run(nil, nil, "upgrade", "one", chartDir, "-n", ns, "--set", set)
			if up.Code == 0 || !strings.Contains(up.String(), tt.server) {
				t.Errorf("helm upgrade did not fail with %s:\n%s", tt.server, up)
			}
		})
	}
}

// oneObjectChart writes a chart named one whose only template is tmpl,
// and returns its directory.
func oneObjectChart(t *testing.T, tmpl string) string {
	t.Helper()
	return writeChart(t, "one", map[string]string{"object.yaml": tmpl})
}

// TestCRDMovedToTheCrdsDirectory: a chart's crds/ directory is not part of
// the release: helm installs it with the release and never upgrades or
// deletes it. A custom resource definition moved there from templates/
// leaves the release's manifest, and helm upgrade deletes it (its custom
// resources with it). helm diff --include-crds shows it as changed (its
// # Source: line), not removed; the review says it is deleted.
func TestCRDMovedToTheCrdsDirectory(t *testing.T) {
	if suite.skip != "" {
		t.Skip(suite.skip)
	}
	h := suite.helms[0]
	const crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}\n  scope: Namespaced\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}\n"
	chart := func(dir, crdDir string) string {
		root := filepath.Join(t.TempDir(), dir, "widgets")
		for _, d := range []string{"templates", crdDir} {
			if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		writeFile(t, filepath.Join(root, "Chart.yaml"), "apiVersion: v2\nname: widgets\nversion: 1.0.0\n")
		writeFile(t, filepath.Join(root, "templates", "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: widgets\ndata:\n  a: \"1\"\n")
		writeFile(t, filepath.Join(root, crdDir, "crd.yaml"), crd)
		return root
	}
	v1, v2 := chart("v1", "templates"), chart("v2", "crds")
	ns := namespaceFor("crd-moved")
	h.MustRun(t, "install", "widgets", v1, "-n", ns, "--create-namespace")
	defer h.Run(nil, nil, "uninstall", "widgets", "-n", ns)
	d := h.Run(nil, nil, "diff", "upgrade", "widgets", v2, "-n", ns, "--include-crds", "--context", "-1", "--no-color")
	if d.Code != 0 {
		t.Fatalf("helm diff:\n%s", d)
	}
	wantIn(t, "helm diff --include-crds", d.Stdout, "widgets.example.com, CustomResourceDefinition (apiextensions.k8s.io) has changed:",
		"- # Source: widgets/templates/crd.yaml", "+ # Source: widgets/crds/crd.yaml")
	diffFile := filepath.Join(t.TempDir(), "widgets.diff")
	writeFile(t, diffFile, d.Stdout)
	r := safediff(t, h, ns, "review", diffFile)
	wantExit(t, r, 2)
	wantIn(t, "review", r.Stdout, "CustomResourceDefinition widgets.example.com leaves the release: helm upgrade deletes it [destructive]",
		"the object moves to the chart's crds/ directory (widgets/crds/crd.yaml), which is not part of the release")
	h.MustRun(t, "upgrade", "widgets", v2, "-n", ns)
	var got struct {
		Metadata struct {
			DeletionTimestamp string `json:"deletionTimestamp"`
		} `json:"metadata"`
	}
	// deleted: gone, or terminating while its custom resources go
	err := apiClient(t).Do(context.Background(), kubeapi.Request{Method: http.MethodGet, Path: "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com"}, &got)
	if err == nil && got.Metadata.DeletionTimestamp == "" {
		t.Errorf("the definition is there after the upgrade, not being deleted")
	}
}
