package migrate

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The content check between the catch-up and the promotion compares the
// fenced source with the still read-only target. For Postgres, every table
// of every database (ordinary tables and materialized views, each table of
// an inheritance tree or partition on its own): its row count, and a
// SHA-256 over the MD5 of each row's text in primary-key order. A table
// without a primary key is read in the order of those MD5s, and the check
// says that it had no key. Unlogged tables are not replicated: one that
// holds rows on the source is a difference. Sequences are compared by
// their last value: the target's may be ahead (a sequence logs values
// before it hands them out, in the direction of its increment) but not
// behind, and an unlogged sequence the
// source has used is a difference (the target would start it over and
// hand out values again). A materialized view never populated has no rows
// to read: that state is compared. Large objects and the catalogs are not
// compared.

// tableDigest is what the check knows of one table or sequence.
type tableDigest struct {
	rows     int64
	sum      [sha256.Size]byte
	noKey    bool
	unlogged bool
	// a sequence: its last value, whether it was ever used, and its
	// increment (a descending sequence's target is ahead when below)
	seq, called bool
	last        int64
	increment   int64
	// a materialized view never populated (WITH NO DATA): it has no rows
	// to read, only that state
	unpopulated bool
}

// pgSession makes a session's row text the same on both servers, whatever
// the roles' and databases' settings.
var pgSession = []string{"set datestyle to iso, ymd", "set intervalstyle to postgres", "set timezone to 'UTC'",
	"set extra_float_digits to 3", "set bytea_output to hex", "set search_path to pg_catalog"}

// pgDigests reads every table of every database of the server at addr.
func pgDigests(ctx context.Context, addr, user, password string) (map[string]tableDigest, error) {
	dbs, err := pgDatabases(ctx, addr, user, password)
	if err != nil {
		return nil, err
	}
	out := map[string]tableDigest{}
	for _, db := range dbs {
		if err := pgDigestDB(ctx, addr, user, password, db, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pgDatabases lists the databases whose tables the content check reads:
// every one, templates included (a template is a database like another:
// its UNLOGGED tables are not replicated either), but template0, which
// Postgres keeps pristine. A database that does not allow connections
// cannot be read: it is an error, not a database left unchecked.
func pgDatabases(ctx context.Context, addr, user, password string) ([]string, error) {
	n, err := dialPostgres(ctx, addr, user, password, "postgres")
	if err != nil {
		return nil, err
	}
	defer n.close()
	type db struct {
		Name  string
		Allow bool
	}
	rows, err := n.conn.Query(ctx, "select datname, datallowconn from pg_database where datname <> 'template0' order by 1")
	var all []db
	if err == nil {
		all, err = pgx.CollectRows(rows, pgx.RowToStructByPos[db])
	}
	if err != nil {
		return nil, fmt.Errorf("postgres at %s: listing databases: %w", addr, err)
	}
	var dbs []string
	for _, d := range all {
		if !d.Allow {
			return nil, permanent(fmt.Errorf("postgres at %s: the database %q does not allow connections, so its tables cannot be checked (the rows of an UNLOGGED table there would be lost unseen): allow them for the migration (ALTER DATABASE %s ALLOW_CONNECTIONS true), or drop it", addr, d.Name, pgx.Identifier{d.Name}.Sanitize()))
		}
		dbs = append(dbs, d.Name)
	}
	return dbs, nil
}

type pgTable struct {
	schema, name string
	key          []string // primary key columns, in order
	unlogged     bool
	seq          bool
	unpopulated  bool  // a materialized view that was never populated
	increment    int64 // a sequence's
}

func pgDigestDB(ctx context.Context, addr, user, password, db string, out map[string]tableDigest) error {
	n, err := dialPostgres(ctx, addr, user, password, db)
	if err != nil {
		return err
	}
	defer n.close()
	for _, q := range pgSession {
		if err := n.exec(ctx, q); err != nil {
			return err
		}
	}
	rows, err := n.conn.Query(ctx, `select n.nspname, c.relname, c.relpersistence = 'u',
		coalesce((select array_agg(a.attname::text order by k.i) from pg_index x
			cross join lateral unnest(x.indkey) with ordinality k(attnum, i)
			join pg_attribute a on a.attrelid = x.indrelid and a.attnum = k.attnum
			where x.indrelid = c.oid and x.indisprimary), '{}'), c.relkind = 'S',
		c.relkind = 'm' and not c.relispopulated, coalesce((select q.seqincrement from pg_sequence q where q.seqrelid = c.oid), 0)
		from pg_class c join pg_namespace n on n.oid = c.relnamespace
		where c.relkind in ('r', 'm', 'S') and c.relpersistence <> 't'
			and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\_toast%'
		order by 1, 2`)
	var tables []pgTable
	if err == nil {
		tables, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (pgTable, error) {
			var t pgTable
			return t, r.Scan(&t.schema, &t.name, &t.unlogged, &t.key, &t.seq, &t.unpopulated, &t.increment)
		})
	}
	if err != nil {
		return fmt.Errorf("postgres at %s: listing the tables of %s: %w", addr, db, err)
	}
	for _, t := range tables {
		d, err := pgDigestTable(ctx, n, t)
		if err != nil {
			return fmt.Errorf("postgres at %s: reading %s.%s.%s: %w", addr, db, t.schema, t.name, redactErr(err, password))
		}
		out[db+"."+t.schema+"."+t.name] = d
	}
	return nil
}

// pgDigestTable reads one table. A read on a standby that conflicts with
// recovery (the fenced source's autovacuum) is tried again.
func pgDigestTable(ctx context.Context, n *pgNode, t pgTable) (tableDigest, error) {
	d := tableDigest{noKey: len(t.key) == 0, unlogged: t.unlogged, seq: t.seq, increment: t.increment, unpopulated: t.unpopulated}
	rel := pgx.Identifier{t.schema, t.name}.Sanitize()
	if t.unpopulated {
		return d, nil // reading it is an error (SQLSTATE 55000)
	}
	if t.seq {
		d.noKey = false
		err := n.conn.QueryRow(ctx, "select last_value, is_called from "+rel).Scan(&d.last, &d.called)
		var pe *pgconn.PgError
		if t.unlogged && errors.As(err, &pe) && pe.Code == "0A000" { // an unlogged one, on a standby
			return d, nil
		}
		return d, err
	}
	if t.unlogged {
		// not replicated, and not readable on a standby: only whether the
		// source has rows matters
		var c int64
		err := n.conn.QueryRow(ctx, "select count(*) from only "+rel).Scan(&c)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "0A000" { // on a standby
			return d, nil
		}
		d.rows = c
		return d, err
	}
	order := "md5(t::text) collate \"C\""
	if len(t.key) > 0 {
		var cols []string
		for _, k := range t.key {
			cols = append(cols, pgx.Identifier{k}.Sanitize())
		}
		order = strings.Join(cols, ", ")
	}
	q := "select md5(t::text) from only " + rel + " t order by " + order
	for attempt := 0; ; attempt++ {
		h := sha256.New()
		var rows int64
		var hash string
		r, err := n.conn.Query(ctx, q)
		if err == nil {
			_, err = pgx.ForEachRow(r, []any{&hash}, func() error {
				h.Write([]byte(hash))
				rows++
				return nil
			})
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "40001" && attempt < 3 {
			continue
		}
		if err != nil {
			return d, err
		}
		d.rows = rows
		copy(d.sum[:], h.Sum(nil))
		return d, nil
	}
}

// compareDigests names every table that differs.
func compareDigests(src, dst map[string]tableDigest) []string {
	var diffs []string
	for name, s := range src {
		d, ok := dst[name]
		switch {
		case s.seq && s.unlogged && s.called:
			diffs = append(diffs, fmt.Sprintf("%s is an UNLOGGED sequence at %d on the source: unlogged sequences are not replicated, so the target would hand its values out again (make it LOGGED first)", name, s.last))
		case s.seq && s.unlogged:
		case s.seq && !ok:
			diffs = append(diffs, fmt.Sprintf("%s: a sequence at %d on the source, missing on the target", name, s.last))
		case s.seq && s.increment != d.increment:
			diffs = append(diffs, fmt.Sprintf("%s: a sequence counting by %d on the source, by %d on the target", name, s.increment, d.increment))
		case s.seq && s.called && (!d.called || s.increment > 0 && d.last < s.last || s.increment < 0 && d.last > s.last):
			// the target's may be ahead, in the sequence's direction
			diffs = append(diffs, fmt.Sprintf("%s: a sequence at %d on the source, behind it on the target (%d): the target would hand out values again", name, s.last, d.last))
		case s.seq:
		case s.unlogged && s.rows > 0:
			diffs = append(diffs, fmt.Sprintf("%s is UNLOGGED and has %d rows on the source: unlogged tables are not replicated, so they would be lost (empty it, or make it LOGGED, first)", name, s.rows))
		case s.unlogged:
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: %d rows on the source, missing on the target", name, s.rows))
		case s.unpopulated != d.unpopulated:
			diffs = append(diffs, fmt.Sprintf("%s: a materialized view populated on one side only (source %t, target %t)", name, !s.unpopulated, !d.unpopulated))
		case s.rows != d.rows:
			diffs = append(diffs, fmt.Sprintf("%s: %d rows on the source, %d on the target", name, s.rows, d.rows))
		case s.sum != d.sum:
			how := "in primary-key order"
			if s.noKey {
				how = "sorted (it has no primary key)"
			}
			diffs = append(diffs, fmt.Sprintf("%s: %d rows on both, but their contents differ (digest of the rows %s)", name, s.rows, how))
		}
	}
	for name, d := range dst {
		if _, ok := src[name]; !ok && !d.unlogged {
			what := fmt.Sprintf("%d rows", d.rows)
			if d.seq {
				what = fmt.Sprintf("a sequence at %d", d.last)
			}
			diffs = append(diffs, fmt.Sprintf("%s: %s on the target, missing on the source", name, what))
		}
	}
	sort.Strings(diffs)
	return diffs
}

// noKeyTables names the tables that were compared without a primary key.
func noKeyTables(src map[string]tableDigest) []string {
	var out []string
	for name, d := range src {
		if d.noKey && !d.unlogged {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
