// Command pulumi-tfgen-tls writes schema.json and bridge-metadata.json
// (`pulumi-tfgen-tls schema --out DIR`); build.sh embeds them in the provider.
package main

import (
	"exocba.invalid/e2e/toolchain/providers/tls/info"
	pftfgen "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfgen"
)

func main() { pftfgen.Main("tls", info.Provider(nil)) }
