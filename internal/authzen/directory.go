package authzen

import (
	"context"
	"strings"
	"sync"

	"gatehouse/internal/gatehouse"
)

// directory remembers which user or customer each name the tools use
// stands for, per account and security version. Every change that can
// move a name — deleting a user or customer, changing an email or an
// external id — moves the version, so an entry never outlives it. Only
// found names are kept: an unknown name is asked again each time.
type directory struct {
	mu       sync.RWMutex
	accounts map[int64]*dirAccount
	size     int
}

type dirAccount struct {
	version int64
	names   map[dirKey]gatehouse.Ref
}

// dirKey is a name: a kind, and an id or the name itself.
type dirKey struct {
	kind byte
	id   int64
	name string
}

// maxNames bounds the memory the directory holds; past it, it starts over.
const maxNames = 1_000_000

const (
	kindUser     = 'u'
	kindCustomer = 'c'
)

func (d *directory) init() { d.accounts = map[int64]*dirAccount{} }

func keyOf(kind byte, id int64, name string) dirKey {
	if id > 0 {
		return dirKey{kind: kind, id: id}
	}
	if strings.Contains(name, "@") {
		name = strings.ToLower(strings.TrimSpace(name))
	}
	return dirKey{kind: kind, name: name}
}

// lookup finds a name through the cache, asking find on a miss.
func (d *directory) lookup(ctx context.Context, accountID, version int64, kind byte, id int64, name string,
	find func(ctx context.Context, accountID, id int64, name string) (gatehouse.Ref, error)) (gatehouse.Ref, bool, error) {
	key := keyOf(kind, id, name)
	d.mu.RLock()
	acct := d.accounts[accountID]
	if acct != nil && acct.version == version {
		if ref, ok := acct.names[key]; ok {
			d.mu.RUnlock()
			return ref, true, nil
		}
	}
	d.mu.RUnlock()
	ref, err := find(ctx, accountID, id, name)
	if gatehouse.ErrorCode(err) == gatehouse.ENotFound {
		return ref, false, nil
	}
	if err != nil {
		return ref, false, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.size >= maxNames {
		d.accounts, d.size = map[int64]*dirAccount{}, 0
	}
	acct = d.accounts[accountID]
	switch {
	case acct == nil || acct.version < version:
		d.size -= len(acctNames(acct))
		acct = &dirAccount{version: version, names: map[dirKey]gatehouse.Ref{}}
		d.accounts[accountID] = acct
	case acct.version > version:
		return ref, true, nil // a newer request has moved on; do not keep an older answer
	}
	if _, dup := acct.names[key]; !dup {
		d.size++
	}
	acct.names[key] = ref
	return ref, true, nil
}

func acctNames(a *dirAccount) map[dirKey]gatehouse.Ref {
	if a == nil {
		return nil
	}
	return a.names
}
