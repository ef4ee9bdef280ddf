// pulumi-resource-azuread: a STAND-IN for the azuread provider plugin, for the
// e2e tier only (VERSIONS.md, "azuread: a stand-in"). The bridged provider
// cannot be built from the modules this machine's proxy serves; this plugin
// speaks the same gRPC protocol under the same name and version, and makes the
// Graph calls the real provider makes for the resources exo-cba declares.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Version is set at link time (-X main.Version=...): the version the
// pulumi-azuread Python package asks the engine for.
var Version = "6.11.1"

// unknown is the engine's sentinel for a value not known during preview.
const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

type props = map[string]any

type server struct {
	pulumirpc.UnimplementedResourceProviderServer
	mu   sync.Mutex
	auth *authConfig
}

func main() {
	err := provider.Main("azuread", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &server{}, nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: Version}, nil
}

func (s *server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: schemaJSON()}, nil
}

func (s *server) GetMapping(context.Context, *pulumirpc.GetMappingRequest) (*pulumirpc.GetMappingResponse, error) {
	return &pulumirpc.GetMappingResponse{}, nil
}

func (s *server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

func (s *server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_UNKNOWN}, nil
}

// Configure reads the provider's config (then the ARM_* variables, as the real
// provider does) and signs in at once, as go-azure-sdk does, also in preview.
func (s *server) Configure(ctx context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	vars := req.GetVariables()
	args := fromStruct(req.GetArgs())
	get := func(key, env string) string {
		if v, ok := args[key].(string); ok && v != "" && v != unknown {
			return v
		}
		if v := vars["azuread:config:"+key]; v != "" {
			return v
		}
		if v := vars["azuread:"+key]; v != "" {
			return v
		}
		return os.Getenv(env)
	}
	a := &authConfig{
		MetadataHost: get("metadataHost", "ARM_METADATA_HOSTNAME"),
		TenantID:     get("tenantId", "ARM_TENANT_ID"),
		ClientID:     get("clientId", "ARM_CLIENT_ID"),
		CertPath:     get("clientCertificatePath", "ARM_CLIENT_CERTIFICATE_PATH"),
		CertPassword: get("clientCertificatePassword", "ARM_CLIENT_CERTIFICATE_PASSWORD"),
		ClientSecret: get("clientSecret", "ARM_CLIENT_SECRET"),
	}
	if err := a.signIn(ctx); err != nil {
		return nil, fmt.Errorf("building client: %w", err)
	}
	s.mu.Lock()
	s.auth = a
	s.mu.Unlock()
	return &pulumirpc.ConfigureResponse{SupportsPreview: true}, nil
}

func (s *server) client() (*authConfig, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.auth == nil {
		return nil, fmt.Errorf("the azuread provider is not configured")
	}
	return s.auth, nil
}

func (s *server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	news := fromStruct(req.GetNews())
	var failures []*pulumirpc.CheckFailure
	for _, key := range kind.required {
		if v, ok := news[key]; !ok || v == nil || v == "" {
			failures = append(failures, &pulumirpc.CheckFailure{
				Property: key, Reason: fmt.Sprintf("Missing required argument. The argument %q is required, but no definition was found.", key),
			})
		}
	}
	for key, value := range kind.defaults {
		if _, ok := news[key]; !ok {
			news[key] = value
		}
	}
	return &pulumirpc.CheckResponse{Inputs: toStruct(news), Failures: failures}, nil
}

// Diff compares the new inputs with the stored state (as a bridged provider
// compares config with state), lists as replacements the fields the real
// provider marks ForceNew, and treats lists as sets (the Terraform schema's
// TypeSet for owners, audiences, requiredResourceAccess and the like).
func (s *server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	news := fromStruct(req.GetNews())
	olds := fromStruct(req.GetOlds())
	oldInputs := fromStruct(req.GetOldInputs())
	keys := map[string]bool{}
	for k := range news {
		keys[k] = true
	}
	for k := range oldInputs {
		keys[k] = true
	}
	var diffs, replaces []string
	detailed := map[string]*pulumirpc.PropertyDiff{}
	for k := range keys {
		if kind.ignoreInDiff[k] {
			continue
		}
		nv, inNew := news[k]
		ov, inOld := olds[k]
		if !inOld {
			ov = oldInputs[k]
		}
		if !inNew && kind.computed[k] {
			continue // optional+computed: left out means "whatever the tenant has"
		}
		if canonical(nv) == canonical(ov) && !containsUnknown(nv) {
			continue
		}
		diffs = append(diffs, k)
		pd := &pulumirpc.PropertyDiff{Kind: pulumirpc.PropertyDiff_UPDATE, InputDiff: true}
		if !inOld || ov == nil {
			pd.Kind = pulumirpc.PropertyDiff_ADD
		} else if !inNew || nv == nil {
			pd.Kind = pulumirpc.PropertyDiff_DELETE
		}
		if kind.forceNew[k] {
			replaces = append(replaces, k)
			pd.Kind += 1 // ADD_REPLACE, DELETE_REPLACE, UPDATE_REPLACE follow their kinds
		}
		detailed[k] = pd
	}
	sort.Strings(diffs)
	sort.Strings(replaces)
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if len(diffs) > 0 {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{
		Changes: changes, Diffs: diffs, Replaces: replaces,
		DetailedDiff: detailed, HasDetailedDiff: true,
	}, nil
}

func (s *server) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	inputs := fromStruct(req.GetProperties())
	if req.GetPreview() {
		out := copyProps(inputs)
		for k := range kind.computed {
			if _, ok := out[k]; !ok {
				out[k] = unknown
			}
		}
		return &pulumirpc.CreateResponse{Properties: toStruct(out)}, nil
	}
	a, err := s.client()
	if err != nil {
		return nil, err
	}
	id, out, err := kind.create(ctx, a, inputs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: toStruct(out)}, nil
}

func (s *server) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	a, err := s.client()
	if err != nil {
		return nil, err
	}
	state := fromStruct(req.GetProperties())
	inputs := fromStruct(req.GetInputs())
	out, err := kind.read(ctx, a, req.GetId(), state)
	if isNotFound(err) || (err == nil && out == nil) {
		return &pulumirpc.ReadResponse{}, nil // gone from the tenant: the engine deletes it from the stack
	}
	if err != nil {
		return nil, err
	}
	// Inputs follow what the tenant holds, so that refresh shows drift and an
	// import has inputs to compare the program with.
	newInputs := map[string]any{}
	if len(inputs) == 0 {
		for _, k := range kind.importInputs {
			if v, ok := out[k]; ok && !isEmpty(v) {
				newInputs[k] = v
			}
		}
	} else {
		for k, v := range inputs {
			if nv, ok := out[k]; ok {
				newInputs[k] = nv
			} else {
				newInputs[k] = v
			}
		}
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: toStruct(out), Inputs: toStruct(newInputs)}, nil
}

func (s *server) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds := fromStruct(req.GetOlds())
	news := fromStruct(req.GetNews())
	if req.GetPreview() {
		out := copyProps(olds)
		for k, v := range news {
			out[k] = v
		}
		return &pulumirpc.UpdateResponse{Properties: toStruct(out)}, nil
	}
	a, err := s.client()
	if err != nil {
		return nil, err
	}
	if kind.update == nil {
		return nil, fmt.Errorf("%s has no updatable fields in the stand-in", kind.token)
	}
	out, err := kind.update(ctx, a, req.GetId(), olds, news)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: toStruct(out)}, nil
}

func (s *server) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	kind, err := kindOf(req.GetUrn())
	if err != nil {
		return nil, err
	}
	a, err := s.client()
	if err != nil {
		return nil, err
	}
	if err := kind.delete(ctx, a, req.GetId(), fromStruct(req.GetProperties())); err != nil && !isNotFound(err) {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

func (s *server) Invoke(ctx context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	fn, ok := invokes[req.GetTok()]
	if !ok {
		return nil, fmt.Errorf("the azuread stand-in does not implement the function %s", req.GetTok())
	}
	a, err := s.client()
	if err != nil {
		return nil, err
	}
	out, err := fn(ctx, a, fromStruct(req.GetArgs()))
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: toStruct(out)}, nil
}

// ---- property helpers ----------------------------------------------------------

func fromStruct(st *structpb.Struct) props {
	if st == nil {
		return props{}
	}
	return st.AsMap()
}

func toStruct(p props) *structpb.Struct {
	// A JSON round trip turns []string and friends into what structpb accepts.
	data, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	var plain map[string]any
	if err := json.Unmarshal(data, &plain); err != nil {
		panic(err)
	}
	st, err := structpb.NewStruct(plain)
	if err != nil {
		panic(err)
	}
	return st
}

func copyProps(p props) props {
	out := props{}
	for k, v := range p {
		out[k] = v
	}
	return out
}

func containsUnknown(v any) bool {
	switch t := v.(type) {
	case string:
		return t == unknown
	case []any:
		for _, e := range t {
			if containsUnknown(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range t {
			if containsUnknown(e) {
				return true
			}
		}
	}
	return false
}

func isEmpty(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case string:
		return t == ""
	case bool:
		return !t
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

// canonical renders a value for comparison: empty values alike, lists as sets.
func canonical(v any) string {
	var walk func(any) any
	walk = func(v any) any {
		if isEmpty(v) {
			return nil
		}
		switch t := v.(type) {
		case []any:
			parts := make([]string, 0, len(t))
			for _, e := range t {
				b, _ := json.Marshal(walk(e))
				parts = append(parts, string(b))
			}
			sort.Strings(parts)
			return parts
		case map[string]any:
			out := map[string]any{}
			for k, e := range t {
				if w := walk(e); w != nil {
					out[k] = w
				}
			}
			if len(out) == 0 {
				return nil
			}
			return out
		}
		return v
	}
	b, _ := json.Marshal(walk(v))
	return string(b)
}

func str(p props, key string) string {
	v, _ := p[key].(string)
	return v
}

func strList(p props, key string) []string {
	raw, _ := p[key].([]any)
	out := make([]string, 0, len(raw))
	for _, e := range raw {
		if s, ok := e.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}

func tokenName(urn string) string {
	// urn:pulumi:stack::project::parent$type::name; the type is the last $-part.
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return urn
	}
	types := strings.Split(parts[2], "$")
	return types[len(types)-1]
}
