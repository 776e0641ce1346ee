// Package access is Gatehouse's authorization decision engine. It has no
// I/O: callers load a user's memberships and groups (with scopes already
// resolved to customer IDs), Compile them once into Grants, and every
// check afterwards answers from memory without allocating.
//
// The rule (design.md, "The decision rule"): an active user may use
// permission p on a record of customer c iff they are a global admin, or
// some one live membership's group holds p and that same group's scope
// contains c. Permissions and scopes pair per group, never as a union of
// permissions times a union of customers. Account-wide permissions count
// only from all-customers groups, and a record with no customer (c == 0)
// needs an all-customers grant.
package access
