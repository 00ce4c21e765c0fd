// Command kube-apiserver: the Kubernetes API server of k8s.io/kubernetes, built from the Go module
// proxy by scripts/toolchain/build-kube-apiserver.sh. The upstream main package cannot be built with
// `go install` (k8s.io/kubernetes replaces its staging modules by local paths), so this wrapper
// module carries those replaces and calls the same command constructor.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	os.Exit(cli.Run(app.NewAPIServerCommand()))
}
