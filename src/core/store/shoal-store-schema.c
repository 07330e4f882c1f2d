/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "shoal-error.h"
#include "shoal-store-private.h"

/* Migrations, in order: migrations[i] takes the file from user_version i
 * to i + 1.  Never edit a released step; append a new one.  Each step
 * runs in one transaction together with its user_version bump, so a
 * crash leaves the file at a whole version.
 *
 * Money rules that SQL itself enforces (not only the C code):
 *  - a block is credited at most once: credits and pool_fees are keyed by
 *    the block, and a credited block can never change state again;
 *  - so is an income (a payout an upstream pool made): keyed by its txid;
 *  - payout batches only move forward (planned -> built -> relayed ->
 *    confirmed, any unfinished state -> failed), and at most one batch is
 *    planned or built at a time;
 *  - balances never go negative. */
static const char *migrations[] = {
  /* 1: the first schema */
  "CREATE TABLE workers ("
  "  id INTEGER PRIMARY KEY,"
  "  address TEXT NOT NULL,"
  "  name TEXT NOT NULL,"
  "  UNIQUE (address, name));"

  "CREATE TABLE shares ("
  "  id INTEGER PRIMARY KEY,"
  "  time_us INTEGER NOT NULL,"
  "  worker_id INTEGER NOT NULL REFERENCES workers (id),"
  "  difficulty INTEGER NOT NULL CHECK (difficulty > 0),"
  "  height INTEGER NOT NULL,"
  "  is_block INTEGER NOT NULL DEFAULT 0,"
  "  hash BLOB NOT NULL);"
  "CREATE INDEX shares_time ON shares (time_us);"
  "CREATE INDEX shares_blocks ON shares (height) WHERE is_block;"

  "CREATE TABLE blocks ("
  "  hash TEXT PRIMARY KEY CHECK (length (hash) = 64),"
  "  height INTEGER NOT NULL,"
  "  reward INTEGER NOT NULL CHECK (reward >= 0),"
  "  state TEXT NOT NULL DEFAULT 'pending'"
  "    CHECK (state IN ('pending', 'orphaned', 'unlocked', 'credited')),"
  "  confirmations INTEGER NOT NULL DEFAULT 0,"
  "  found_us INTEGER NOT NULL,"
  "  difficulty INTEGER NOT NULL,"
  "  work INTEGER NOT NULL DEFAULT 0,"
  "  share_id INTEGER,"
  "  updated_us INTEGER NOT NULL);"
  "CREATE INDEX blocks_height ON blocks (height);"
  "CREATE TRIGGER blocks_final BEFORE UPDATE OF state ON blocks"
  "  WHEN OLD.state IN ('credited', 'unlocked') AND NEW.state <> OLD.state"
  "  BEGIN SELECT RAISE (ABORT, 'an unlocked or credited block is final'); END;"

  "CREATE TABLE balances ("
  "  address TEXT PRIMARY KEY,"
  "  amount INTEGER NOT NULL DEFAULT 0 CHECK (amount >= 0),"
  "  reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),"
  "  paid INTEGER NOT NULL DEFAULT 0 CHECK (paid >= 0));"

  "CREATE TABLE credits ("
  "  block_hash TEXT NOT NULL REFERENCES blocks (hash),"
  "  address TEXT NOT NULL,"
  "  weight INTEGER NOT NULL,"
  "  amount INTEGER NOT NULL CHECK (amount >= 0),"
  "  PRIMARY KEY (block_hash, address));"

  /* The fee account: what the pool keeps, one row per credited block. */
  "CREATE TABLE pool_fees ("
  "  block_hash TEXT PRIMARY KEY REFERENCES blocks (hash),"
  "  amount INTEGER NOT NULL CHECK (amount >= 0));"

  "CREATE TABLE payout_batches ("
  "  id INTEGER PRIMARY KEY,"
  "  state TEXT NOT NULL DEFAULT 'planned'"
  "    CHECK (state IN ('planned', 'built', 'relayed', 'confirmed', 'failed')),"
  "  created_us INTEGER NOT NULL,"
  "  updated_us INTEGER NOT NULL,"
  "  total INTEGER NOT NULL DEFAULT 0,"
  "  fee INTEGER NOT NULL DEFAULT 0,"
  "  tx_hashes TEXT,"
  "  tx_metadata TEXT,"
  "  note TEXT);"
  "CREATE UNIQUE INDEX payout_batches_one_open ON payout_batches (state IS NOT NULL)"
  "  WHERE state IN ('planned', 'built');"
  "CREATE TRIGGER payout_batches_forward BEFORE UPDATE OF state ON payout_batches"
  "  WHEN NEW.state <> OLD.state AND (OLD.state, NEW.state) NOT IN (VALUES"
  "    ('planned', 'built'), ('planned', 'failed'), ('built', 'relayed'),"
  "    ('built', 'failed'), ('relayed', 'confirmed'), ('relayed', 'failed'))"
  "  BEGIN SELECT RAISE (ABORT, 'payout batches only move forward'); END;"

  "CREATE TABLE payments ("
  "  batch_id INTEGER NOT NULL REFERENCES payout_batches (id),"
  "  address TEXT NOT NULL,"
  "  amount INTEGER NOT NULL CHECK (amount > 0),"
  "  tx_hash TEXT,"
  "  PRIMARY KEY (batch_id, address));"

  "CREATE TABLE stats ("
  "  time_us INTEGER PRIMARY KEY,"
  "  hashrate INTEGER NOT NULL,"
  "  miners INTEGER NOT NULL,"
  "  workers INTEGER NOT NULL);"
  "CREATE TABLE worker_stats ("
  "  time_us INTEGER NOT NULL,"
  "  worker_id INTEGER NOT NULL REFERENCES workers (id),"
  "  hashrate INTEGER NOT NULL,"
  "  PRIMARY KEY (time_us, worker_id));",

  /* 2: what proves a payout can never be mined.  The key images its
   * transactions spend, and the node height at which all of them were
   * first seen spent by other transactions. */
  "ALTER TABLE payout_batches ADD COLUMN key_images TEXT;"
  "ALTER TABLE payout_batches ADD COLUMN conflict_height INTEGER;",

  /* 3: the terms a block was found under, credited with those (not with
   * whatever the settings say 60 blocks later), and the share that found
   * it, which anchors its PPLNS window (share_id once recorded). */
  "ALTER TABLE blocks ADD COLUMN pplns INTEGER;"
  "ALTER TABLE blocks ADD COLUMN fee_bps INTEGER;"
  "ALTER TABLE blocks ADD COLUMN window_factor INTEGER;"
  "ALTER TABLE blocks ADD COLUMN share_hash BLOB;",
  /* 4: shares past every window and the statistics horizon, folded per
   * worker and hour (hour_us: the hour's first microsecond) before they
   * are deleted; and the unsettled blocks the prune walks back from. */
  "CREATE TABLE share_hours ("
  "  worker_id INTEGER NOT NULL REFERENCES workers (id),"
  "  hour_us INTEGER NOT NULL,"
  "  shares INTEGER NOT NULL CHECK (shares > 0),"
  "  difficulty INTEGER NOT NULL CHECK (difficulty > 0),"
  "  PRIMARY KEY (worker_id, hour_us)) WITHOUT ROWID;"
  "CREATE INDEX blocks_open ON blocks (state) WHERE state IN ('pending', 'orphaned');",
  /* 5: payouts an upstream pool (P2Pool) made to the pool wallet, each a
   * coinbase the wallet received, credited like one of our own unlocked
   * blocks: balances, the fee account, and per member the credit it fed.
   * An income is keyed by its coinbase txid, the wallet's identity for
   * the transfer: a coinbase can only pay a primary address (monerod
   * refuses to mine to a subaddress), so the wallet lists one transfer
   * per coinbase for the pool wallet.  The row, its credits and the
   * balances are written in one transaction, so the key makes crediting
   * happen at most once, across restarts and crashes; the trigger keeps
   * a credited income final. */
  "CREATE TABLE incomes ("
  "  txid TEXT PRIMARY KEY CHECK (length (txid) = 64),"
  "  height INTEGER NOT NULL,"
  "  amount INTEGER NOT NULL CHECK (amount > 0),"
  "  sidechain TEXT NOT NULL,"
  "  window_start_us INTEGER NOT NULL,"
  "  window_end_us INTEGER NOT NULL CHECK (window_end_us >= window_start_us),"
  "  fee_bps INTEGER NOT NULL,"
  "  fee INTEGER NOT NULL CHECK (fee >= 0),"
  "  credited_us INTEGER NOT NULL);"
  "CREATE TRIGGER incomes_final BEFORE UPDATE ON incomes"
  "  BEGIN SELECT RAISE (ABORT, 'a credited income is final'); END;"
  "CREATE TABLE income_credits ("
  "  txid TEXT NOT NULL REFERENCES incomes (txid),"
  "  address TEXT NOT NULL,"
  "  weight INTEGER NOT NULL,"
  "  amount INTEGER NOT NULL CHECK (amount >= 0),"
  "  PRIMARY KEY (txid, address));"
  "CREATE INDEX income_credits_address ON income_credits (address);",
  /* 6: shares a rig found that also reached the P2Pool sidechain's
   * difficulty (as the sidechain probe read it when the upstream
   * accepted them): what shows a member which rig found which sidechain
   * share.  Statistics only, kept for the shares' horizon. */
  "CREATE TABLE sidechain_shares ("
  "  id INTEGER PRIMARY KEY,"
  "  time_us INTEGER NOT NULL,"
  "  address TEXT NOT NULL,"
  "  worker TEXT NOT NULL,"
  "  height INTEGER NOT NULL,"
  "  difficulty INTEGER NOT NULL,"
  "  sidechain_difficulty INTEGER NOT NULL CHECK (sidechain_difficulty > 0),"
  "  CHECK (difficulty >= sidechain_difficulty));"
  "CREATE INDEX sidechain_shares_time ON sidechain_shares (time_us);"
  "CREATE INDEX sidechain_shares_address ON sidechain_shares (address, time_us);",
  /* 7: payouts on their way: the pool wallet's locked coinbases as the
   * income watcher last saw them, replaced at each look (see
   * shoal-store-arrivals.c).  Not money: nothing is credited from here. */
  "CREATE TABLE arrivals ("
  "  txid TEXT PRIMARY KEY CHECK (length (txid) = 64),"
  "  height INTEGER NOT NULL,"
  "  amount INTEGER NOT NULL CHECK (amount > 0),"
  "  sidechain TEXT NOT NULL,"
  "  unlocks_in INTEGER NOT NULL CHECK (unlocks_in >= 0));",
};

int
shoal_store_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

static gboolean
read_version (sqlite3  *db,
              int      *version,
              GError  **error)
{
  guint64 value = 0;

  if (!shoal_sql_query_u64 (db, "PRAGMA user_version", NULL, &value, error))
    return FALSE;
  *version = (int) value;
  return TRUE;
}

static gboolean
apply_step (sqlite3  *db,
            int       step,
            GError  **error)
{
  g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", step + 1);
  g_autoptr(GError) local_error = NULL;

  if (!shoal_sql_exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!shoal_sql_exec (db, migrations[step], &local_error) ||
      !shoal_sql_exec (db, bump, &local_error) ||
      !shoal_sql_exec (db, "COMMIT", &local_error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE,
                   "Pool database: upgrading to schema version %d failed: %s",
                   step + 1, local_error->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
shoal_store_migrate (sqlite3  *db,
                     GError  **error)
{
  int version;

  if (!read_version (db, &version, error))
    return FALSE;
  if (version > shoal_store_schema_version ())
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE,
                   "Pool database: schema version %d was written by a newer Shoal "
                   "(this one knows up to %d)", version, shoal_store_schema_version ());
      return FALSE;
    }
  for (int step = version; step < shoal_store_schema_version (); step++)
    if (!apply_step (db, step, error))
      return FALSE;
  return TRUE;
}
