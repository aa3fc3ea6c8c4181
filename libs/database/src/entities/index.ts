import { User } from './user.entity';
import { Workspace } from './workspace.entity';
import { WorkspaceUser } from './workspace-user.entity';
import { LoginAttempt } from './login-attempt.entity';
import { DataVersion } from './data-version.entity';
import { OAuthIdentity } from './oauth-identity.entity';
import { OAuthMembership } from './oauth-membership.entity';
import { PersonalAccessToken } from './personal-access-token.entity';
import { UserSession } from './user-session.entity';
import { AuditEvent } from './audit-event.entity';

export { ADMIN_ROLES, hasAdminRights, User, USER_ROLES } from './user.entity';
export type { UserRole } from './user.entity';
export { Workspace } from './workspace.entity';
export { WorkspaceUser } from './workspace-user.entity';
export { LoginAttempt } from './login-attempt.entity';
export { DataVersion } from './data-version.entity';
export { OAuthIdentity } from './oauth-identity.entity';
export { OAuthMembership } from './oauth-membership.entity';
export { PersonalAccessToken, TOKEN_SCOPES } from './personal-access-token.entity';
export type { TokenScope } from './personal-access-token.entity';
export { UserSession } from './user-session.entity';
export { AuditEvent, AUDIT_ACTOR_TYPES } from './audit-event.entity';
export type { AuditActorType } from './audit-event.entity';

export const ENTITIES = [
  User,
  Workspace,
  WorkspaceUser,
  LoginAttempt,
  DataVersion,
  OAuthIdentity,
  OAuthMembership,
  PersonalAccessToken,
  UserSession,
  AuditEvent,
];
