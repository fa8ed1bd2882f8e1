/** The Token Service's own wording; clients match on these strings, so they stay exactly as the seed has them. */
export const IAM_MESSAGES = {
  entityIdMissing: 'Entity Id is missing in the request',
  invalidEntityId: 'Invalid entity id',
  entityCredentialsMissing: 'Entity Id/Secret is missing in the request',
  invalidEntityCredentials: 'Invalid entity id/secret or secret is expired',
  userCredentialsMissing: 'User Id/Password is missing in the request',
  invalidUserCredentials: 'Invalid username/password or password is expired',
  notOwner: 'The user is not an owner of this entity',
  expiryAdjusted: "The expiry is set to 180 days by default, as the user didn't specify or exceeded the default limit.",
  withinGrace: (entityId: string) => `The secret for entity with ID ${entityId} is expired and within the grace period`,
} as const;
