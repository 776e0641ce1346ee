package usecase

import (
	"context"
	"time"

	"gatehouse/internal/gatehouse"
)

// IdentityStore is the storage of sign-in: settings, second factors,
// ceremonies, sessions, identity providers and confinement.
type IdentityStore interface {
	Settings(ctx context.Context, accountID int64) (gatehouse.Settings, error)
	SaveSettings(ctx context.Context, accountID int64, s gatehouse.Settings) (gatehouse.Settings, error)

	Factors(ctx context.Context, accountID, userID int64) (gatehouse.Factors, error)
	TOTPSecret(ctx context.Context, accountID, userID int64) ([]byte, error)
	SaveTOTP(ctx context.Context, accountID, userID int64, sealed []byte, step int64) error
	UseTOTPStep(ctx context.Context, accountID, userID, step int64) (bool, error)
	DeleteTOTP(ctx context.Context, accountID, userID int64) error
	ReplaceRecoveryCodes(ctx context.Context, accountID, userID int64, hashes [][]byte) error
	UseRecoveryCode(ctx context.Context, accountID, userID int64, hash []byte) (bool, error)
	ResetFactors(ctx context.Context, accountID, userID int64) error
	Passkeys(ctx context.Context, accountID, userID int64) ([]gatehouse.StoredPasskey, error)
	PasskeysByHandle(ctx context.Context, handle []byte) ([]gatehouse.StoredPasskey, error)
	AddPasskey(ctx context.Context, k gatehouse.StoredPasskey) (gatehouse.Passkey, error)
	UsePasskey(ctx context.Context, accountID, id int64, credential string, at time.Time) error
	DeletePasskey(ctx context.Context, accountID, userID, id int64) error

	CreateChallenge(ctx context.Context, hash []byte, ch gatehouse.Challenge) (gatehouse.Challenge, error)
	Challenge(ctx context.Context, hash []byte, kind string) (gatehouse.Challenge, error)
	SetChallengeData(ctx context.Context, id int64, data string) error
	FailChallenge(ctx context.Context, id int64, max int) error
	TakeChallenge(ctx context.Context, id int64) (bool, error)

	SetTokenMFA(ctx context.Context, tokenID int64, at time.Time, method string) error
	ListSessions(ctx context.Context, accountID, userID int64) ([]gatehouse.Token, error)
	DeleteSessions(ctx context.Context, accountID, userID, keep int64) (int, error)

	Confinement(ctx context.Context, accountID, userID int64) (int64, bool, error)
	ConfinedMembers(ctx context.Context, accountID, groupID int64) ([]gatehouse.Confinement, error)
	Confine(ctx context.Context, accountID, userID, customerID int64) error

	SSOProviders(ctx context.Context, accountID int64) ([]gatehouse.SSOProvider, error)
	SSOProvider(ctx context.Context, accountID, id int64) (gatehouse.SSOProvider, error)
	SSOProviderByID(ctx context.Context, id int64) (gatehouse.SSOProvider, error)
	CreateSSOProvider(ctx context.Context, accountID int64, p gatehouse.SSOProvider, seal func(id int64) ([]byte, error)) (gatehouse.SSOProvider, error)
	UpdateSSOProvider(ctx context.Context, accountID int64, p gatehouse.SSOProvider, seal func(id int64) ([]byte, error)) (gatehouse.SSOProvider, error)
	DeleteSSOProvider(ctx context.Context, accountID, id int64) error
	SSOIdentity(ctx context.Context, accountID, providerID int64, subject string) (int64, error)
	LinkSSOIdentity(ctx context.Context, accountID, providerID int64, subject string, userID int64) error
	HasSSOIdentity(ctx context.Context, accountID, userID int64) (bool, error)
}
