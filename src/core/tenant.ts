/** One receiving tenant: its route segment and the secrets its deliveries are checked with. */
export interface TenantConfig {
  readonly name: string;
  readonly appSecrets: readonly string[];
  readonly verifyToken?: string;
  readonly wasenderSecret?: string;
}
