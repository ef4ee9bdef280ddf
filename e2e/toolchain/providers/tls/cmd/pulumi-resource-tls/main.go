// Command pulumi-resource-tls is the bridged TLS provider plugin. build.sh
// puts schema.json (its version set) and bridge-metadata.json beside this
// file before it builds; neither is committed.
package main

import (
	"context"
	_ "embed"

	"exocba.invalid/e2e/toolchain/providers/tls/info"
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
)

//go:embed schema.json
var schema []byte

//go:embed bridge-metadata.json
var metadata []byte

func main() {
	pf.Main(context.Background(), "tls", info.Provider(metadata), pf.ProviderMetadata{PackageSchema: schema})
}
