package main

import (
	"context"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const certURN = "urn:pulumi:dev::p::exo:index:AppCertificate$azuread:index/applicationCertificate:ApplicationCertificate::c"
const appURN = "urn:pulumi:dev::p::azuread:index/application:Application::a"

func diff(t *testing.T, urn string, olds, news props) *pulumirpc.DiffResponse {
	t.Helper()
	resp, err := (&server{}).Diff(context.Background(), &pulumirpc.DiffRequest{
		Urn: urn, Olds: toStruct(olds), OldInputs: toStruct(olds), News: toStruct(news),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestCertificateValueChangeReplaces(t *testing.T) {
	olds := props{"applicationId": "/applications/x", "value": "A", "type": "AsymmetricX509Cert"}
	news := props{"applicationId": "/applications/x", "value": "B", "type": "AsymmetricX509Cert"}
	resp := diff(t, certURN, olds, news)
	if len(resp.Replaces) != 1 || resp.Replaces[0] != "value" {
		t.Fatalf("want value replaced, got %v", resp.Replaces)
	}
}

func TestOwnersOrderIsNoChange(t *testing.T) {
	olds := props{"displayName": "n", "owners": []any{"a", "b"}}
	news := props{"displayName": "n", "owners": []any{"b", "a"}}
	if resp := diff(t, appURN, olds, news); resp.Changes != pulumirpc.DiffResponse_DIFF_NONE {
		t.Fatalf("want no change, got %v", resp.Diffs)
	}
}

func TestRenameIsAnInPlaceUpdate(t *testing.T) {
	resp := diff(t, appURN, props{"displayName": "n"}, props{"displayName": "m"})
	if resp.Changes != pulumirpc.DiffResponse_DIFF_SOME || len(resp.Replaces) != 0 {
		t.Fatalf("want an update without replacement, got %v / %v", resp.Diffs, resp.Replaces)
	}
}
