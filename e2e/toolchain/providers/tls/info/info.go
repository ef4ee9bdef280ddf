// Package info maps the upstream Terraform TLS provider onto the Pulumi
// package "tls", as pulumi-tls does: every resource and data source in the
// one module "index", named by the bridge's standard rule (tls_private_key
// becomes tls:index/privateKey:PrivateKey).
package info

import (
	"github.com/hashicorp/terraform-provider-tls/shim"
	pf "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/pf/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
)

// Version is set at link time (-X); the bridge refuses to start without it.
var Version string

// Provider returns the bridge's description of the package; metadata is the
// bridge-metadata.json that tfgen wrote (empty when tfgen itself runs).
func Provider(metadata []byte) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:            pf.ShimProvider(shim.NewProvider()),
		Name:         "tls",
		Description:  "A Pulumi package to create TLS resources in Pulumi programs.",
		License:      "Apache-2.0",
		Repository:   "https://github.com/pulumi/pulumi-tls",
		GitHubOrg:    "hashicorp",
		Version:      Version,
		MetadataInfo: tfbridge.NewProviderMetadata(metadata),
		// Both flags are set by pulumi-tls and change runtime behaviour
		// (state schema version default, preview accuracy), so keep them.
		EnableZeroDefaultSchemaVersion: true,
		EnableAccurateBridgePreview:    true,
	}
	info.MustComputeTokens(tokens.SingleModule("tls_", "index", tokens.MakeStandard("tls")))
	return info
}
