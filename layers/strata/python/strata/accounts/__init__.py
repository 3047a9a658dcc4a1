"""The Cognito user pool's triggers: a confirmed sign-up gets its profile, a sign-in is counted."""
