/* ISC license. */

/* tls_scache.c: the server's session store, TLS_SESSION_CACHE.

   One file of fixed size: a header slot (the magic line), then
   SCACHE_SETS sets of SCACHE_WAYS slots. A session goes to the set that
   the first bytes of its id (random, ours) pick, in a free, expired or
   else the oldest slot of it. Every TLS child of the service opens the
   file after it has taken TLS_UID/TLS_GID, and reads or writes one set
   with pread/pwrite under an fcntl lock of that set's bytes only: two
   connections wait for each other only when their ids share a set, and
   never longer than a copy of 2 KiB.

   The file is trusted no more than the network: a slot is used only if
   its magic, its checksum, its lengths, its protocol and suite are
   right (tls_sslot.c), so that a torn, stale or garbage slot reads as
   empty. A file that is not ours to trust (not a
   regular file, not owned by our uid, readable by others, of another
   size, with another header) is not used at all: a warning, and the
   connection goes on with a full handshake.

   The store holds master secrets: whoever reads it can decrypt the
   recorded traffic of its live sessions. It is created 0600 by the TLS
   child's uid; under /run it does not survive a reboot. */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <skalibs/djbunix.h>
#include <skalibs/env.h>
#include <skalibs/types.h>

#include "tls-session.h"

char const *tls_scache_path = 0 ;
unsigned int tls_scache_lifetime = SCACHE_LIFETIME_DEFAULT ;

void tls_scache_config (char const *const *envp)
{
  char const *s = env_get2(envp, "TLS_SESSION_LIFETIME") ;
  tls_scache_path = env_get2(envp, "TLS_SESSION_CACHE") ;
  if (tls_scache_path && !*tls_scache_path) strerr_dief(UCSPITLS_EXIT_CONF, "invalid TLS_SESSION_CACHE: empty") ;
  if (s)
  {
    unsigned int u ;
    size_t n = uint_scan(s, &u) ;
    if (!n || s[n] || !u || u > SCACHE_LIFETIME_MAX)
      strerr_dief(UCSPITLS_EXIT_CONF, "invalid TLS_SESSION_LIFETIME: ", s, ": seconds, from 1 to 86400") ;
    tls_scache_lifetime = u ;
  }
}

 /* -C dies with the line; a connection warns and goes on without */
static int refuse (int check, char const *path, char const *why, int sys)
{
  if (check)
  {
    if (sys) strerr_diefu(UCSPITLS_EXIT_CONF, "use session store ", path, why, ": ", strerror(errno)) ;
    strerr_dief(UCSPITLS_EXIT_CONF, "session store ", path, why) ;
  }
  if (sys) strerr_warnwu("use session store ", path, why, ": ", strerror(errno), ": resuming no session") ;
  else strerr_warnw("session store ", path, why, ": resuming no session") ;
  return -1 ;
}

int tls_scache_open (char const *path, int check)
{
  static char const magic[] = SCACHE_MAGIC ;
  unsigned char hdr[sizeof(magic) - 1] ;
  struct stat st ;
  char fsize[UINT64_FMT] ;
  int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600) ;
  if (fd == -1) return refuse(check, path, "", 1) ;
  if (fstat(fd, &st) == -1) { fd_close(fd) ; return refuse(check, path, "", 1) ; }
  if (!S_ISREG(st.st_mode)) { fd_close(fd) ; return refuse(check, path, " is not a regular file", 0) ; }
  if (st.st_uid != geteuid()) { fd_close(fd) ; return refuse(check, path, " is not owned by the uid of the TLS child", 0) ; }
  if (st.st_mode & 077) { fd_close(fd) ; return refuse(check, path, " is open to group or others (it must be mode 0600)", 0) ; }
  /* a fresh file: whoever comes first sizes it, the same size for all */
  if (!st.st_size && ftruncate(fd, SCACHE_SIZE) == -1) { fd_close(fd) ; return refuse(check, path, "", 1) ; }
  if (st.st_size && st.st_size != (off_t)SCACHE_SIZE)
  {
    fsize[uint64_fmt(fsize, (uint64_t)st.st_size)] = 0 ;
    fd_close(fd) ;
    if (check) strerr_dief(UCSPITLS_EXIT_CONF, "session store ", path, " has the wrong size (", fsize, " bytes): remove it, and it is made again") ;
    strerr_warnw("session store ", path, " has the wrong size (", fsize, " bytes): resuming no session") ;
    return -1 ;
  }
  if (pread(fd, hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) { fd_close(fd) ; return refuse(check, path, "", 1) ; }
  if (memcmp(hdr, magic, sizeof(hdr)))
  {
    for (size_t i = 0 ; i < sizeof(hdr) ; i++)
      if (hdr[i]) { fd_close(fd) ; return refuse(check, path, " is not a session store of ucspitlsd", 0) ; }
    if (pwrite(fd, magic, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) { fd_close(fd) ; return refuse(check, path, "", 1) ; }
  }
  return fd ;
}

 /* where a set starts: the first bytes of an id pick it */
static off_t set_offset (size_t set)
{
  return (off_t)(SCACHE_HDR + set * SCACHE_WAYS * SCACHE_SLOT) ;
}

static size_t set_of (unsigned char const *id)
{
  return (((size_t)id[0] << 8) | id[1]) % SCACHE_SETS ;
}

 /* the lock of one set: waited for a little (200 ms at most), then
    given up (a miss, or a session not stored) rather than hold a
    handshake back */
static int lock (int fd, size_t set, short type)
{
  struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = set_offset(set), .l_len = SCACHE_WAYS * SCACHE_SLOT } ;
  for (unsigned int i = 0 ; i < 200 ; i++)
  {
    struct timespec ts = { .tv_sec = 0, .tv_nsec = 1000000 } ;
    if (fcntl(fd, F_SETLK, &fl) == 0) return 1 ;
    if (errno != EAGAIN && errno != EACCES && errno != EINTR) return 0 ;
    nanosleep(&ts, 0) ;
  }
  return 0 ;
}

static void unlock (int fd, size_t set)
{
  struct flock fl = { .l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = set_offset(set), .l_len = SCACHE_WAYS * SCACHE_SLOT } ;
  fcntl(fd, F_SETLK, &fl) ;
}

static int live (tlssess const *s, uint64_t now)
{
  return s->created <= now && now - s->created < tls_scache_lifetime ;
}

 /* a set, read whole under its lock; a write lock stays held on
    success, for the caller's write, which unlocks */
static int read_set (int fd, size_t set, unsigned char *buf, short type)
{
  ssize_t r ;
  if (!lock(fd, set, type)) return 0 ;
  r = pread(fd, buf, SCACHE_WAYS * SCACHE_SLOT, set_offset(set)) ;
  if (type == F_RDLCK) unlock(fd, set) ;
  if (r != SCACHE_WAYS * SCACHE_SLOT)
  {
    if (type != F_RDLCK) unlock(fd, set) ;
    return 0 ;
  }
  return 1 ;
}

static void save (br_ssl_session_cache_class const **ctx, br_ssl_server_context *sc, br_ssl_session_parameters const *p)
{
  tlsscache *c = (tlsscache *)(void *)ctx ;
  unsigned char buf[SCACHE_WAYS * SCACHE_SLOT] ;
  tlssess s, old ;
  uint64_t now = (uint64_t)time(0), oldest = UINT64_MAX ;
  char const *sni = br_ssl_engine_get_server_name(&sc->eng) ;
  size_t set, way, pick = 0 ;
  /* a session with a client certificate is not stored: a resumed one
     would come with no certificate to show */
  if (c->fd < 0 || c->noresume || (c->x && c->x->have) || p->session_id_len != 32) return ;
  if (strlen(sni) >= sizeof(s.sni)) return ;
  memset(&s, 0, sizeof(s)) ;
  s.created = now ; s.version = p->version ; s.suite = p->cipher_suite ;
  memcpy(s.id, p->session_id, 32) ;
  memcpy(s.master, p->master_secret, 48) ;
  strcpy(s.sni, sni) ;
  set = set_of(s.id) ;
  if (!read_set(c->fd, set, buf, F_WRLCK)) goto end ;
  /* expired and garbage slots are wiped as the set is written, so that
     an expired secret does not stay readable; the new session takes the
     first of them, or else the oldest slot */
  way = SCACHE_WAYS ;
  for (size_t i = 0 ; i < SCACHE_WAYS ; i++)
  {
    if (!tls_slot_decode(buf + i * SCACHE_SLOT, &old) || !live(&old, now))
    {
      memset(buf + i * SCACHE_SLOT, 0, SCACHE_SLOT) ;
      if (way == SCACHE_WAYS) way = i ;
    }
    else if (old.created < oldest) { oldest = old.created ; pick = i ; }
  }
  if (way == SCACHE_WAYS) way = pick ;
  tls_slot_encode(buf + way * SCACHE_SLOT, &s) ;
  {
    /* a short write leaves slots whose checksum fails: empty ones */
    ssize_t w = pwrite(c->fd, buf, sizeof(buf), set_offset(set)) ;
    (void)w ;
  }
  unlock(c->fd, set) ;
 end:
  explicit_bzero(buf, sizeof(buf)) ;
  explicit_bzero(&s, sizeof(s)) ;
  explicit_bzero(&old, sizeof(old)) ;
}

 /* BearSSL asks before it has read the ClientHello's extensions: the
    server name comes from the record in its input buffer (tls_shello.c),
    and tls_scache_done checks it again against the engine's own. */
static int load (br_ssl_session_cache_class const **ctx, br_ssl_server_context *sc, br_ssl_session_parameters *p)
{
  tlsscache *c = (tlsscache *)(void *)ctx ;
  br_ssl_engine_context const *eng = &sc->eng ;
  unsigned char buf[SCACHE_WAYS * SCACHE_SLOT] ;
  char sni[256] ;
  tlssess s ;
  uint64_t now = (uint64_t)time(0) ;
  int found = 0 ;
  if (c->fd < 0 || c->noresume || p->session_id_len != 32) return 0 ;
  if (eng->ixb > eng->ibuf_len || !tls_hello_sni(eng->ibuf, eng->ixb, sni)) return 0 ;
  if (!read_set(c->fd, set_of(p->session_id), buf, F_RDLCK)) return 0 ;
  for (size_t i = 0 ; i < SCACHE_WAYS && !found ; i++)
    if (tls_slot_decode(buf + i * SCACHE_SLOT, &s) && !memcmp(s.id, p->session_id, 32) && !strcmp(s.sni, sni) && live(&s, now))
    {
      p->version = s.version ;
      p->cipher_suite = s.suite ;
      memcpy(p->master_secret, s.master, 48) ;
      memcpy(c->id, s.id, 32) ;
      strcpy(c->sni, s.sni) ;
      c->loaded = 1 ;
      found = 1 ;
    }
  explicit_bzero(buf, sizeof(buf)) ;
  explicit_bzero(&s, sizeof(s)) ;
  return found ;
}

static br_ssl_session_cache_class const scache_class = { .context_size = sizeof(tlsscache), .save = &save, .load = &load } ;

void tls_scache_init (tlsscache *c, tlsx509 const *x, int clientcert)
{
  memset(c, 0, sizeof(*c)) ;
  c->vtable = &scache_class ;
  c->x = x ;
  c->noresume = clientcert == 2 ;
  c->fd = tls_scache_path ? tls_scache_open(tls_scache_path, 0) : -1 ;
}

 /* resumed: BearSSL kept the id that the client offered, the one that
    we gave it; a new session has a fresh random id */
int tls_scache_done (tlsscache *c, br_ssl_engine_context const *eng, facts *f)
{
  br_ssl_session_parameters sp ;
  br_ssl_engine_get_session_parameters(eng, &sp) ;
  f->resumed = c->loaded && sp.session_id_len == 32 && !memcmp(sp.session_id, c->id, 32) ;
  explicit_bzero(&sp, sizeof(sp)) ;
  if (c->fd >= 0) { fd_close(c->fd) ; c->fd = -1 ; }
  return !f->resumed || !strcmp(c->sni, br_ssl_engine_get_server_name(eng)) ;
}

 /* -C: the store opened, checked and locked as a TLS child would, with
    its ids, in a process of its own (the check itself may run as root) */
void tls_scache_check (tlsopts const *o, char const *const *envp)
{
  unsigned char buf[SCACHE_WAYS * SCACHE_SLOT] ;
  char fl[UINT_FMT] ;
  pid_t pid ;
  int wstat, fd ;
  tls_scache_config(envp) ;
  if (!tls_scache_path) return ;
  pid = fork() ;
  if (pid == -1) strerr_diefusys(UCSPITLS_EXIT_SYS, "fork") ;
  if (pid)
  {
    if (waitpid(pid, &wstat, 0) != pid) strerr_diefusys(UCSPITLS_EXIT_SYS, "waitpid") ;
    if (!WIFEXITED(wstat)) _exit(UCSPITLS_EXIT_SYS) ;
    if (WEXITSTATUS(wstat)) _exit(WEXITSTATUS(wstat)) ;
    return ;
  }
  ids_drop(o, 1) ;
  fd = tls_scache_open(tls_scache_path, 1) ;
  if (!read_set(fd, 0, buf, F_RDLCK)) strerr_diefu(UCSPITLS_EXIT_CONF, "lock and read session store ", tls_scache_path) ;
  fl[uint_fmt(fl, tls_scache_lifetime)] = 0 ;
  if (o->verbosity) strerr_warn(PROG, ": info: TLS_SESSION_CACHE ", tls_scache_path, ": ok, room for " SCACHE_ROOM " sessions, kept ", fl, " seconds") ;
  _exit(0) ;
}
