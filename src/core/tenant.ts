/** One receiving tenant: its route segment and the secrets its deliveries are checked with. */
export interface TenantConfig {
  readonly name: string;
  readonly appSecrets: readonly string[];
  readonly verifyToken?: string;
  readonly wasenderSecret?: string;
  /** Cloud API media: the token that resolves media ids at `${graphUrl}/${graphVersion}/<id>` and downloads them. */
  readonly accessToken?: string;
  readonly graphUrl?: string;
  readonly graphVersion?: string;
  /** WASenderApi session API key, for the vendor's decrypt endpoint (media.wasenderDecryptUrl). */
  readonly wasenderApiKey?: string;
}
