/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "shoal-error.h"
#include "shoal-store-private.h"

/* The writer thread owns `db` and everything below "writer thread only";
 * other threads talk to it through `queue`. */

#define DEFAULT_MAX_BATCH     512
#define DEFAULT_MAX_DELAY_MS  20
#define BUSY_TIMEOUT_MS       5000

typedef enum
{
  OP_SHARE,
  OP_JOB,
  OP_FLUSH,
  OP_QUIT,
} OpKind;

/* A caller blocked on the writer. */
typedef struct
{
  GMutex    lock;
  GCond     cond;
  gboolean  done;
  GError   *error;
} SyncWait;

typedef struct
{
  OpKind               kind;
  ShoalShare          *share;
  GTask               *task;   /* completed after the commit (async callers) */
  SyncWait            *wait;   /* or this (sync callers) */
  ShoalStoreWriteFunc  func;
  gpointer             data;
} WriterOp;

struct _ShoalStore
{
  GObject       parent_instance;
  char         *path;
  int           lock_fd;
  GAsyncQueue  *queue;
  GThread      *thread;
  GAsyncQueue  *readers;     /* idle read connections */
  gint          max_batch;   /* atomic */
  gint          max_delay_ms;

  /* writer thread only */
  sqlite3      *db;
  sqlite3_stmt *insert_share;
  sqlite3_stmt *upsert_worker;
  GHashTable   *worker_ids;  /* "address\nworker" -> id */
  GPtrArray    *batch;       /* WriterOp waiting for COMMIT */
  gint64        batch_deadline;
};

static void shoal_store_recorder_init (ShoalShareRecorderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ShoalStore, shoal_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SHOAL_TYPE_SHARE_RECORDER,
                                                      shoal_store_recorder_init))

static void
complete_op (WriterOp     *op,
             const GError *error)
{
  if (op->task != NULL)
    {
      if (error != NULL)
        g_task_return_error (op->task, g_error_copy (error));
      else
        g_task_return_boolean (op->task, TRUE);
      g_clear_object (&op->task);
    }
  if (op->wait != NULL)
    {
      g_mutex_lock (&op->wait->lock);
      op->wait->error = error ? g_error_copy (error) : NULL;
      op->wait->done = TRUE;
      g_cond_signal (&op->wait->cond);
      g_mutex_unlock (&op->wait->lock);
    }
  g_clear_pointer (&op->share, shoal_share_free);
  g_free (op);
}

/* Queues an op and blocks until the writer completed it. */
static gboolean
submit_and_wait (ShoalStore  *self,
                 WriterOp    *op,
                 GError     **error)
{
  SyncWait wait = { 0 };

  if (self->queue == NULL)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE, "Pool database: the store is closed");
      g_clear_pointer (&op->share, shoal_share_free);
      g_free (op);
      return FALSE;
    }
  g_mutex_init (&wait.lock);
  g_cond_init (&wait.cond);
  op->wait = &wait;
  g_async_queue_push (self->queue, op);
  g_mutex_lock (&wait.lock);
  while (!wait.done)
    g_cond_wait (&wait.cond, &wait.lock);
  g_mutex_unlock (&wait.lock);
  g_mutex_clear (&wait.lock);
  g_cond_clear (&wait.cond);
  if (wait.error != NULL)
    {
      g_propagate_error (error, wait.error);
      return FALSE;
    }
  return TRUE;
}

/* --- writer thread ----------------------------------------------------- */

static void
fail_batch (ShoalStore   *self,
            const GError *error)
{
  for (guint i = 0; i < self->batch->len; i++)
    complete_op (g_ptr_array_index (self->batch, i), error);
  g_ptr_array_set_size (self->batch, 0);
  /* Rolled-back transactions may have taken new worker rows with them. */
  g_hash_table_remove_all (self->worker_ids);
}

static void
commit_batch (ShoalStore *self)
{
  g_autoptr(GError) error = NULL;

  if (sqlite3_get_autocommit (self->db))
    {
      g_assert (self->batch->len == 0);
      return;
    }
  if (!shoal_sql_exec (self->db, "COMMIT", &error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      fail_batch (self, error);
      return;
    }
  for (guint i = 0; i < self->batch->len; i++)
    complete_op (g_ptr_array_index (self->batch, i), NULL);
  g_ptr_array_set_size (self->batch, 0);
}

static gboolean
lookup_worker (ShoalStore        *self,
               const ShoalShare  *share,
               sqlite3_int64     *id,
               GError           **error)
{
  g_autofree char *key = g_strconcat (share->address, "\n", share->worker ? share->worker : "", NULL);
  gpointer cached;

  if (g_hash_table_lookup_extended (self->worker_ids, key, NULL, &cached))
    {
      *id = GPOINTER_TO_SIZE (cached);
      return TRUE;
    }
  sqlite3_bind_text (self->upsert_worker, 1, share->address, -1, SQLITE_STATIC);
  sqlite3_bind_text (self->upsert_worker, 2, share->worker ? share->worker : "", -1, SQLITE_STATIC);
  if (sqlite3_step (self->upsert_worker) != SQLITE_ROW)
    {
      shoal_sql_set_error (error, self->db, "recording a worker");
      sqlite3_reset (self->upsert_worker);
      return FALSE;
    }
  *id = sqlite3_column_int64 (self->upsert_worker, 0);
  sqlite3_reset (self->upsert_worker);
  g_hash_table_insert (self->worker_ids, g_steal_pointer (&key), GSIZE_TO_POINTER (*id));
  return TRUE;
}

static gboolean
insert_share (ShoalStore        *self,
              const ShoalShare  *share,
              GError           **error)
{
  sqlite3_stmt *stmt = self->insert_share;
  sqlite3_int64 worker_id;

  if (share->address == NULL || share->difficulty == 0 || share->difficulty > G_MAXINT64 ||
      share->height > G_MAXINT64)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_INVALID,
                   "Pool database: a share needs an address and a difficulty in 1..2^63");
      return FALSE;
    }
  if (!lookup_worker (self, share, &worker_id, error))
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, share->timestamp_us);
  sqlite3_bind_int64 (stmt, 2, worker_id);
  sqlite3_bind_int64 (stmt, 3, (sqlite3_int64) share->difficulty);
  sqlite3_bind_int64 (stmt, 4, (sqlite3_int64) share->height);
  sqlite3_bind_int (stmt, 5, share->is_block ? 1 : 0);
  sqlite3_bind_blob (stmt, 6, share->hash, sizeof share->hash, SQLITE_STATIC);
  return shoal_sql_run (stmt, error);
}

static void
add_share (ShoalStore *self,
           WriterOp   *op)
{
  g_autoptr(GError) error = NULL;

  if (sqlite3_get_autocommit (self->db))
    {
      if (!shoal_sql_exec (self->db, "BEGIN IMMEDIATE", &error))
        {
          complete_op (op, error);
          return;
        }
      self->batch_deadline = g_get_monotonic_time () +
                             g_atomic_int_get (&self->max_delay_ms) * G_TIME_SPAN_MILLISECOND;
    }
  if (!insert_share (self, op->share, &error))
    {
      complete_op (op, error);
      /* Some failures (disk full, I/O) roll the whole transaction back. */
      if (sqlite3_get_autocommit (self->db))
        fail_batch (self, error);
      return;
    }
  g_ptr_array_add (self->batch, op);
  if (self->batch->len >= (guint) g_atomic_int_get (&self->max_batch))
    commit_batch (self);
}

static void
run_job (ShoalStore *self,
         WriterOp   *op)
{
  g_autoptr(GError) error = NULL;

  if (!shoal_sql_exec (self->db, "BEGIN IMMEDIATE", &error))
    {
      complete_op (op, error);
      return;
    }
  if (!op->func (self->db, op->data, &error) || !shoal_sql_exec (self->db, "COMMIT", &error))
    {
      if (!sqlite3_get_autocommit (self->db))
        sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      g_hash_table_remove_all (self->worker_ids);
      complete_op (op, error);
      return;
    }
  complete_op (op, NULL);
}

/* Blocks while no transaction is open; otherwise waits at most until the
 * batch's deadline, and after it only takes what is already queued (so a
 * busy queue still joins the batch, up to max_batch). */
static WriterOp *
next_op (ShoalStore *self)
{
  gint64 remaining;

  if (sqlite3_get_autocommit (self->db))
    return g_async_queue_pop (self->queue);
  remaining = self->batch_deadline - g_get_monotonic_time ();
  if (remaining <= 0)
    return g_async_queue_try_pop (self->queue);
  return g_async_queue_timeout_pop (self->queue, remaining);
}

static gpointer
writer_main (gpointer user_data)
{
  ShoalStore *self = user_data;

  for (;;)
    {
      WriterOp *op = next_op (self);

      if (op == NULL)
        {
          commit_batch (self);
          continue;
        }
      if (op->kind == OP_SHARE)
        {
          add_share (self, op);
          continue;
        }
      commit_batch (self);
      if (op->kind == OP_JOB)
        {
          run_job (self, op);
          continue;
        }
      if (op->kind == OP_QUIT)
        {
          complete_op (op, NULL);
          return NULL;
        }
      complete_op (op, NULL);
    }
}

/* --- connections ------------------------------------------------------- */

static sqlite3 *
open_connection (const char  *path,
                 gboolean     reader,
                 GError     **error)
{
  sqlite3 *db = NULL;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (reader ? 0 : SQLITE_OPEN_CREATE);
  g_autoptr(GError) local_error = NULL;

  if (sqlite3_open_v2 (path, &db, flags, NULL) != SQLITE_OK)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE, "Cannot open the pool database “%s”: %s",
                   path, db ? sqlite3_errmsg (db) : "out of memory");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes (db, 1);
  /* synchronous=FULL: in WAL mode every COMMIT fsyncs the WAL before it
   * returns, so an acknowledged share survives a power cut; NORMAL would
   * only fsync at checkpoints and can lose the last commits. */
  if (!shoal_sql_exec (db, reader ? "PRAGMA query_only = ON; PRAGMA foreign_keys = ON"
                                  : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                                    "PRAGMA foreign_keys = ON",
                       &local_error))
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE, "Cannot open the pool database “%s”: %s",
                   path, local_error->message);
      sqlite3_close (db);
      return NULL;
    }
  return db;
}

static gboolean
check_wal (sqlite3     *db,
           const char  *path,
           GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = shoal_sql_prepare (db, "PRAGMA journal_mode", error);

  if (stmt == NULL)
    return FALSE;
  if (sqlite3_step (stmt) != SQLITE_ROW ||
      g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "wal") != 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE,
                   "Cannot open the pool database “%s”: it cannot be put in WAL mode", path);
      return FALSE;
    }
  return TRUE;
}

/* Two Shoal processes on one file would run two payers: refuse the second. */
static int
take_lock (const char  *path,
           GError     **error)
{
  g_autofree char *lock_path = g_strconcat (path, ".lock", NULL);
  int fd = g_open (lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_STORAGE, "Cannot open the pool database lock “%s”: %s",
                   lock_path, g_strerror (saved));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      g_set_error (error, SHOAL_ERROR, SHOAL_ERROR_IN_USE,
                   "The pool database “%s” is in use by another Shoal process", path);
      close (fd);
      return -1;
    }
  return fd;
}

static gboolean
prepare_writer (ShoalStore  *self,
                GError     **error)
{
  self->db = open_connection (self->path, FALSE, error);
  if (self->db == NULL || !check_wal (self->db, self->path, error) ||
      !shoal_store_migrate (self->db, error))
    return FALSE;
  self->insert_share = shoal_sql_prepare (self->db,
    "INSERT INTO shares (time_us, worker_id, difficulty, height, is_block, hash)"
    " VALUES (?, ?, ?, ?, ?, ?)", error);
  if (self->insert_share == NULL)
    return FALSE;
  self->upsert_worker = shoal_sql_prepare (self->db,
    "INSERT INTO workers (address, name) VALUES (?, ?)"
    " ON CONFLICT (address, name) DO UPDATE SET name = excluded.name RETURNING id", error);
  return self->upsert_worker != NULL;
}

ShoalStore *
shoal_store_open (const char  *path,
                  GError     **error)
{
  g_autoptr(ShoalStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (SHOAL_TYPE_STORE, NULL);
  self->path = g_strdup (path);
  self->lock_fd = take_lock (path, error);
  if (self->lock_fd < 0 || !prepare_writer (self, error))
    return NULL;
  self->queue = g_async_queue_new ();
  self->thread = g_thread_new ("shoal-store", writer_main, self);
  return g_steal_pointer (&self);
}

sqlite3 *
shoal_store_acquire_reader (ShoalStore  *self,
                            GError     **error)
{
  sqlite3 *db = g_async_queue_try_pop (self->readers);

  return db ? db : open_connection (self->path, TRUE, error);
}

void
shoal_store_release_reader (ShoalStore *self,
                            sqlite3    *db)
{
  if (db != NULL)
    g_async_queue_push (self->readers, db);
}

gboolean
shoal_store_write_sync (ShoalStore           *self,
                        ShoalStoreWriteFunc   func,
                        gpointer              data,
                        GError              **error)
{
  WriterOp *op = g_new0 (WriterOp, 1);

  op->kind = OP_JOB;
  op->func = func;
  op->data = data;
  return submit_and_wait (self, op, error);
}

/* --- public ------------------------------------------------------------ */

const char *
shoal_store_get_path (ShoalStore *self)
{
  g_return_val_if_fail (SHOAL_IS_STORE (self), NULL);
  return self->path;
}

/* max_delay_ms = 0 still groups whatever is queued when a commit starts. */
void
shoal_store_set_batching (ShoalStore *self,
                          guint       max_batch,
                          guint       max_delay_ms)
{
  g_return_if_fail (SHOAL_IS_STORE (self));
  g_return_if_fail (max_batch > 0 && max_batch < G_MAXINT && max_delay_ms < 10000);

  g_atomic_int_set (&self->max_batch, max_batch);
  g_atomic_int_set (&self->max_delay_ms, max_delay_ms);
}

gboolean
shoal_store_flush_sync (ShoalStore  *self,
                        GError     **error)
{
  WriterOp *op = g_new0 (WriterOp, 1);

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  op->kind = OP_FLUSH;
  return submit_and_wait (self, op, error);
}

gboolean
shoal_store_record_sync (ShoalStore        *self,
                         const ShoalShare  *share,
                         GError           **error)
{
  WriterOp *op = g_new0 (WriterOp, 1);

  g_return_val_if_fail (SHOAL_IS_STORE (self), FALSE);
  g_return_val_if_fail (share != NULL, FALSE);
  op->kind = OP_SHARE;
  op->share = shoal_share_copy (share);
  return submit_and_wait (self, op, error);
}

/* Commits what is queued, stops the writer and closes every connection.
 * Idempotent; dispose calls it. */
void
shoal_store_close (ShoalStore *self)
{
  sqlite3 *db;

  g_return_if_fail (SHOAL_IS_STORE (self));

  if (self->thread != NULL)
    {
      WriterOp *op = g_new0 (WriterOp, 1);

      op->kind = OP_QUIT;
      g_async_queue_push (self->queue, op);
      g_thread_join (g_steal_pointer (&self->thread));
    }
  g_clear_pointer (&self->queue, g_async_queue_unref);
  g_clear_pointer (&self->insert_share, sqlite3_finalize);
  g_clear_pointer (&self->upsert_worker, sqlite3_finalize);
  g_clear_pointer (&self->db, sqlite3_close);
  while ((db = g_async_queue_try_pop (self->readers)) != NULL)
    sqlite3_close (db);
  if (self->lock_fd >= 0)
    {
      close (self->lock_fd);
      self->lock_fd = -1;
    }
}

static void
shoal_store_dispose (GObject *object)
{
  shoal_store_close (SHOAL_STORE (object));
  G_OBJECT_CLASS (shoal_store_parent_class)->dispose (object);
}

static void
shoal_store_finalize (GObject *object)
{
  ShoalStore *self = SHOAL_STORE (object);

  g_clear_pointer (&self->readers, g_async_queue_unref);
  g_clear_pointer (&self->worker_ids, g_hash_table_unref);
  g_clear_pointer (&self->batch, g_ptr_array_unref);
  g_free (self->path);
  G_OBJECT_CLASS (shoal_store_parent_class)->finalize (object);
}

static void
shoal_store_class_init (ShoalStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = shoal_store_dispose;
  G_OBJECT_CLASS (klass)->finalize = shoal_store_finalize;
}

static void
shoal_store_init (ShoalStore *self)
{
  self->lock_fd = -1;
  self->readers = g_async_queue_new ();
  self->worker_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->batch = g_ptr_array_new ();
  self->max_batch = DEFAULT_MAX_BATCH;
  self->max_delay_ms = DEFAULT_MAX_DELAY_MS;
}

/* --- ShoalShareRecorder ------------------------------------------------ */

/* Never blocks: the share is copied onto the writer's queue, and the
 * task completes on the caller's thread-default context after COMMIT. */
static void
shoal_store_record_async (ShoalShareRecorder  *recorder,
                          const ShoalShare    *share,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  ShoalStore *self = SHOAL_STORE (recorder);
  /* No source object: a task must not hold the store, or its last unref
   * could land on the writer thread, which cannot join itself.  close()
   * completes every queued share before it returns anyway. */
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  WriterOp *op;

  g_task_set_source_tag (task, shoal_store_record_async);
  g_task_set_check_cancellable (task, FALSE);
  if (self->queue == NULL)
    {
      g_task_return_new_error (task, SHOAL_ERROR, SHOAL_ERROR_STORAGE,
                               "Pool database: the store is closed");
      return;
    }
  op = g_new0 (WriterOp, 1);
  op->kind = OP_SHARE;
  op->share = shoal_share_copy (share);
  op->task = g_steal_pointer (&task);
  g_async_queue_push (self->queue, op);
}

static gboolean
shoal_store_record_finish (ShoalShareRecorder  *recorder,
                           GAsyncResult        *result,
                           GError             **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, shoal_store_record_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
shoal_store_recorder_init (ShoalShareRecorderInterface *iface)
{
  iface->record_async = shoal_store_record_async;
  iface->record_finish = shoal_store_record_finish;
}
