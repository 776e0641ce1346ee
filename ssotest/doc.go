// Package ssotest signs in to Gatehouse through a real OpenID Connect
// provider started inside the tests: zitadel/oidc's provider, serving
// discovery, the authorization code flow with PKCE, userinfo and its
// signing keys on a loopback port. It is a module of its own so that the
// provider's dependencies stay out of Gatehouse's.
package ssotest
