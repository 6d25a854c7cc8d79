// Who asks a registry: docker's AuthConfig (the same shape as the engine's RegistryAuth; lib does not import
// the engine's types, the two agree structurally).
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64 "user:password", as config.json keeps it */
  auth?: string;
  serveraddress?: string;
  /** an OAuth2 refresh token from an earlier login */
  identitytoken?: string;
  /** a bearer token used as is */
  registrytoken?: string;
}
