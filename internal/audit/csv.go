package audit

import (
	"strconv"
	"time"
)

// CSVHeader names the columns of an audit export.
var CSVHeader = []string{"seq", "at", "actor_user_id", "actor_email", "source_ip", "action",
	"target_type", "target_id", "customer_id", "before", "after", "hash"}

// CSVRow is an entry as one row of an audit export.
func (e Entry) CSVRow() []string {
	return []string{strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339Nano), strconv.FormatInt(e.Actor.UserID, 10),
		e.Actor.Email, e.Actor.IP, e.Action, e.TargetType, strconv.FormatInt(e.TargetID, 10),
		strconv.FormatInt(e.CustomerID, 10), string(e.Before), string(e.After), e.Hash}
}
