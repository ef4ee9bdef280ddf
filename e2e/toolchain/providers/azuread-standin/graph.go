package main

// Sign-in and Microsoft Graph access as the real provider (go-azure-sdk) does it:
// the cloud's endpoints from the metadata host, a client-credentials token
// fetched eagerly at configure, then plain JSON over HTTPS. The CA comes from
// SSL_CERT_FILE (Go's default system pool honours it).

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // the certificate thumbprint Entra ID names keys by
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"
)

type authConfig struct {
	MetadataHost   string
	TenantID       string
	ClientID       string
	CertPath       string
	CertPassword   string
	ClientSecret   string
	UseCLI         bool
	graphBase      string // e.g. https://127.0.0.1:1234 (no trailing slash)
	loginEndpoint  string
	accessToken    string
	callerObjectID string
}

type graphError struct {
	Status int
	Body   string
}

func (e *graphError) Error() string {
	return fmt.Sprintf("unexpected status %d from Microsoft Graph: %s", e.Status, strings.TrimSpace(e.Body))
}

func isNotFound(err error) bool {
	ge, ok := err.(*graphError)
	return ok && ge.Status == http.StatusNotFound
}

var httpClient = &http.Client{Timeout: 60 * time.Second}

func getJSON(ctx context.Context, rawURL string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d: %s", rawURL, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return json.Unmarshal(body, out)
}

// signIn resolves the endpoints and fetches the Graph token, as configure does.
func (a *authConfig) signIn(ctx context.Context) error {
	if a.MetadataHost == "" {
		return fmt.Errorf("the azuread stand-in needs `metadataHost` (or ARM_METADATA_HOSTNAME): " +
			"it only talks to a stand-in tenant, never to a public cloud")
	}
	if a.TenantID == "" || a.ClientID == "" {
		return fmt.Errorf("tenantId and clientId (or ARM_TENANT_ID, ARM_CLIENT_ID) are required")
	}
	var meta struct {
		Name                     string `json:"name"`
		ResourceManager          string `json:"resourceManager"`
		MicrosoftGraphResourceID string `json:"microsoftGraphResourceId"`
		Authentication           struct {
			LoginEndpoint string `json:"loginEndpoint"`
		} `json:"authentication"`
	}
	metaURL := fmt.Sprintf("https://%s/metadata/endpoints?api-version=2022-09-01", a.MetadataHost)
	if err := getJSON(ctx, metaURL, &meta); err != nil {
		return fmt.Errorf("retrieving the environment from the metadata host: %w", err)
	}
	if meta.Name == "" || meta.ResourceManager == "" || meta.MicrosoftGraphResourceID == "" {
		return fmt.Errorf("the metadata host %s did not name the environment, resourceManager and microsoftGraphResourceId", a.MetadataHost)
	}
	a.graphBase = strings.TrimSuffix(meta.MicrosoftGraphResourceID, "/")
	a.loginEndpoint = strings.TrimSuffix(meta.Authentication.LoginEndpoint, "/")
	if a.loginEndpoint == "" {
		return fmt.Errorf("the metadata host %s named no authentication.loginEndpoint", a.MetadataHost)
	}
	tokenURL := fmt.Sprintf("%s/%s/oauth2/v2.0/token", a.loginEndpoint, a.TenantID)
	form := url.Values{
		"grant_type": {"client_credentials"},
		"client_id":  {a.ClientID},
		"scope":      {a.graphBase + "/.default"},
	}
	switch {
	case a.CertPath != "":
		assertion, err := a.clientAssertion(tokenURL)
		if err != nil {
			return err
		}
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", assertion)
	case a.ClientSecret != "":
		form.Set("client_secret", a.ClientSecret)
	default:
		return fmt.Errorf("no credential: set clientCertificatePath (ARM_CLIENT_CERTIFICATE_PATH) or clientSecret (ARM_CLIENT_SECRET); " +
			"the stand-in has no Azure CLI or managed identity sign-in")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("obtaining a token: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("obtaining a token from %s: status %d: %s", tokenURL, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   any    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return fmt.Errorf("the token endpoint answered no access_token")
	}
	a.accessToken = tok.AccessToken
	claims, err := jwtClaims(tok.AccessToken)
	if err != nil {
		return fmt.Errorf("parsing the access token: %w", err)
	}
	oid, _ := claims["oid"].(string)
	if oid == "" {
		return fmt.Errorf("parsing the access token: no oid claim")
	}
	a.callerObjectID = oid
	return nil
}

// clientAssertion is go-azure-sdk's: RS256, the certificate's SHA-1 as `kid`
// (base64url), aud the token URL, iss and sub the client id.
func (a *authConfig) clientAssertion(tokenURL string) (string, error) {
	data, err := os.ReadFile(a.CertPath)
	if err != nil {
		return "", fmt.Errorf("reading the client certificate (clientCertificatePath): %w", err)
	}
	key, cert, _, err := pkcs12.DecodeChain(data, a.CertPassword)
	if err != nil {
		return "", fmt.Errorf("decoding the client certificate (clientCertificatePath): %w", err)
	}
	rsaKey, ok := key.(*rsa.PrivateKey)
	if !ok {
		return "", fmt.Errorf("the client certificate's key is not an RSA key")
	}
	return signAssertion(rsaKey, cert, a.ClientID, tokenURL)
}

func signAssertion(key *rsa.PrivateKey, cert *x509.Certificate, clientID, aud string) (string, error) {
	thumb := sha1.Sum(cert.Raw) //nolint:gosec
	header := map[string]any{"alg": "RS256", "typ": "JWT", "kid": base64.RawURLEncoding.EncodeToString(thumb[:])}
	now := time.Now()
	claims := map[string]any{
		"aud": aud, "iss": clientID, "sub": clientID, "jti": newUUID(),
		"nbf": now.Unix(), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	}
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	signing := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func jwtClaims(token string) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("not a three-part JWT")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return nil, err
	}
	var out map[string]any
	return out, json.Unmarshal(raw, &out)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// call makes one Graph request; path is relative to {graph}/, e.g. "v1.0/applications".
func (a *authConfig) call(ctx context.Context, method, path string, body any, out any) error {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.graphBase+"/"+path, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.accessToken)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return &graphError{Status: resp.StatusCode, Body: fmt.Sprintf("%s %s: %s", method, path, data)}
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

func (a *authConfig) directoryObjectRef(id string) string {
	return fmt.Sprintf("%s/v1.0/directoryObjects/%s", a.graphBase, id)
}
