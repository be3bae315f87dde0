/* RawStream and ChunkIterator: a response body read through the subset of
 * aiohttp's ClientResponse and StreamReader interfaces that aiobotocore uses.
 *
 * The whole body is already in memory, so every read completes at once and is
 * returned as a Ready.  Reads slice the original bytes object: a read that
 * covers the whole body returns that object itself, and any other read copies
 * only the bytes it returns.
 *
 * A RawStream has a __dict__ because aiobotocore wraps it in a wrapt
 * ObjectProxy (StreamingBody) whose subclasses set attributes such as
 * _checksum, which the proxy forwards to the wrapped object.  The dict is
 * the only field that can hold arbitrary objects, so tp_clear clears just
 * the dict.  The body, url and the iterator's stream are fixed at
 * construction and, like a tuple's items, are traversed but never cleared, so
 * they are never NULL while the object lives.
 *
 * Thread safety: the position and the closed flag are the only fields that
 * change, and every read or write of them happens inside the stream's
 * critical section, so on a free-threaded build concurrent reads each take
 * a distinct part of the body and no byte is handed out twice.  The section
 * covers only finding and slicing the bytes (take_guarded); building the
 * Ready or the error around them happens after it ends.  The instance dict
 * is guarded by CPython, which takes the same critical section to create
 * and update it.  A ChunkIterator's fields never change; it reads through
 * its stream's guard.  With the GIL the sections compile to nothing.
 *
 * Why C: aiobotocore reads every streamed body (get_object, event streams,
 * s3fs) through these, often one small chunk at a time; each read is a C
 * call returning a C Ready, without a Python frame per read or per await.
 * bench/ measures the per-call figures. */
#include "core.h"

#include <stddef.h> /* offsetof, size_t */
#include <string.h> /* memchr */

/* aiohttp reads the socket into 64 KiB buffers, so iterating and readany()
 * hand out chunks of the size they would from a real connection. */
#define CHUNK_SIZE 65536

typedef struct {
    PyObject_HEAD
    PyObject *body; /* bytes */
    PyObject *url;  /* str or None */
    PyObject *dict; /* instance attributes, or NULL until one is set */
    Py_ssize_t pos; /* guarded by the stream's critical section */
    char closed;    /* guarded by the stream's critical section */
} RawStreamObject;

typedef enum {
    CHUNKS_AS_TUPLES, /* iter_chunks(): (bytes, True) */
    CHUNKS_OF_SIZE,   /* iter_chunked(n): bytes of n */
    CHUNKS_ANY,       /* iter_any(): bytes of up to CHUNK_SIZE */
} ChunkMode;

typedef struct {
    PyObject_HEAD
    RawStreamObject *stream;
    Py_ssize_t size;
    ChunkMode mode;
} ChunkIteratorObject;

/* ---- reading ---------------------------------------------------------- */

/* The helpers down to take_guarded read or move the position, so they run
 * only inside the stream's critical section. */

static Py_ssize_t
remaining(RawStreamObject *self)
{
    return PyBytes_GET_SIZE(self->body) - self->pos;
}

/* Consume up to n bytes and return them as a new reference. */
static PyObject *
take(RawStreamObject *self, Py_ssize_t n)
{
    Py_ssize_t size = PyBytes_GET_SIZE(self->body);
    if (n > remaining(self)) {
        n = remaining(self);
    }
    PyObject *chunk;
    if (n == size) {
        /* Only possible from position 0: the whole body, shared not copied. */
        chunk = Py_NewRef(self->body);
    }
    else {
        chunk = PyBytes_FromStringAndSize(PyBytes_AS_STRING(self->body) + self->pos,
                                          n);
    }
    if (chunk != NULL) {
        self->pos += n;
    }
    return chunk;
}

/* Whether reads must fail because the stream was closed.  aiohttp gives a
 * response without a body a shared empty reader that ignores close() and keeps
 * answering b"", so an empty body reads as empty even after close. */
static int
refuses_reads(RawStreamObject *self)
{
    return self->closed && PyBytes_GET_SIZE(self->body) > 0;
}

/* The length through the next newline, or of the rest. */
static Py_ssize_t
line_length(RawStreamObject *self)
{
    const char *start = PyBytes_AS_STRING(self->body) + self->pos;
    const char *newline = memchr(start, '\n', (size_t)remaining(self));
    return newline ? (Py_ssize_t)(newline - start) + 1 : remaining(self);
}

/* What one read found and took, decided in one critical section so that it
 * sees a single position. */
typedef struct {
    PyObject *chunk; /* the bytes taken (new reference); NULL on error or if
                      * refused */
    int refused;     /* the stream is closed: nothing taken */
    int was_at_eof;  /* nothing was left to take */
    int fell_short;  /* fewer bytes were left than asked for */
} Taken;

/* Take through the next newline instead of a size. */
#define TAKE_LINE (-2)

/* Take size bytes (fewer if fewer are left), the rest if size is -1, or a
 * line if TAKE_LINE, unless the stream refuses reads. */
static Taken
take_guarded(RawStreamObject *self, Py_ssize_t size)
{
    Taken taken = {NULL, 0, 0, 0};
    Py_BEGIN_CRITICAL_SECTION(self);
    if (refuses_reads(self)) {
        taken.refused = 1;
    }
    else {
        Py_ssize_t left = remaining(self);
        Py_ssize_t n = size == TAKE_LINE ? line_length(self)
                       : size < 0        ? left
                                         : size;
        taken.was_at_eof = left == 0;
        taken.fell_short = n > left;
        taken.chunk = take(self, n);
    }
    Py_END_CRITICAL_SECTION();
    return taken;
}

/* Reading a closed stream fails at the await, as aiohttp's does. */
static PyObject *
ready_closed(RawStreamObject *self)
{
    AiomotoState *state = aiomoto_state_of((PyObject *)self);
    return aiomoto_ready_failed_steal(state, aiomoto_closed_error(state));
}

/* The Ready a plain read returns: its bytes, or the closed error. */
static PyObject *
ready_taken(RawStreamObject *self, Taken taken)
{
    if (taken.refused) {
        return ready_closed(self);
    }
    return aiomoto_ready_steal(aiomoto_state_of((PyObject *)self), taken.chunk);
}

static Py_ssize_t
position_guarded(RawStreamObject *self)
{
    Py_ssize_t pos;
    Py_BEGIN_CRITICAL_SECTION(self);
    pos = self->pos;
    Py_END_CRITICAL_SECTION();
    return pos;
}

static int
closed_guarded(RawStreamObject *self)
{
    int closed;
    Py_BEGIN_CRITICAL_SECTION(self);
    closed = self->closed;
    Py_END_CRITICAL_SECTION();
    return closed;
}

static void
close_guarded(RawStreamObject *self)
{
    Py_BEGIN_CRITICAL_SECTION(self);
    self->closed = 1;
    Py_END_CRITICAL_SECTION();
}

/* ---- argument parsing ------------------------------------------------- */

static int
check_arity(const char *name, Py_ssize_t nargs, Py_ssize_t min, Py_ssize_t max)
{
    if (nargs >= min && nargs <= max) {
        return 0;
    }
    if (min == max) {
        PyErr_Format(PyExc_TypeError, "%s() takes exactly %zd argument(s) (%zd given)",
                     name, min, nargs);
    }
    else {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %zd argument(s) (%zd given)",
                     name, max, nargs);
    }
    return -1;
}

/* Convert a size argument; values beyond Py_ssize_t clamp rather than fail. */
static int
size_arg(const char *name, PyObject *arg, Py_ssize_t *out)
{
    if (!PyIndex_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "%s() argument must be an int, not %.200s", name,
                     Py_TYPE(arg)->tp_name);
        return -1;
    }
    *out = PyNumber_AsSsize_t(arg, NULL);
    return (*out == -1 && PyErr_Occurred()) ? -1 : 0;
}

/* ---- RawStream methods ------------------------------------------------ */

static PyObject *
stream_read(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    RawStreamObject *self = (RawStreamObject *)op;
    Py_ssize_t n = -1;
    if (check_arity("read", nargs, 0, 1) < 0 ||
        (nargs == 1 && size_arg("read", args[0], &n) < 0)) {
        return NULL;
    }
    return ready_taken(self, take_guarded(self, n < 0 ? -1 : n));
}

static PyObject *
stream_readany(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RawStreamObject *self = (RawStreamObject *)op;
    return ready_taken(self, take_guarded(self, CHUNK_SIZE));
}

static PyObject *
incomplete_read_error(PyObject *partial, Py_ssize_t expected)
{
    /* Imported on demand: asyncio is heavy and only this error needs it. */
    PyObject *asyncio = PyImport_ImportModule("asyncio");
    if (asyncio == NULL) {
        return NULL;
    }
    PyObject *cls = PyObject_GetAttrString(asyncio, "IncompleteReadError");
    Py_DECREF(asyncio);
    if (cls == NULL) {
        return NULL;
    }
    PyObject *exc = PyObject_CallFunction(cls, "On", partial, expected);
    Py_DECREF(cls);
    return exc;
}

static PyObject *
stream_readexactly(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    RawStreamObject *self = (RawStreamObject *)op;
    Py_ssize_t n;
    if (check_arity("readexactly", nargs, 1, 1) < 0 ||
        size_arg("readexactly", args[0], &n) < 0) {
        return NULL;
    }
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "readexactly size can not be less than zero");
        return NULL;
    }
    Taken taken = take_guarded(self, n);
    if (taken.refused || taken.chunk == NULL || !taken.fell_short) {
        return ready_taken(self, taken);
    }
    PyObject *exc = incomplete_read_error(taken.chunk, n);
    Py_DECREF(taken.chunk);
    return aiomoto_ready_failed_steal(aiomoto_state_of(op), exc);
}

static PyObject *
stream_readline(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RawStreamObject *self = (RawStreamObject *)op;
    return ready_taken(self, take_guarded(self, TAKE_LINE));
}

/* aiohttp's readchunk() pairs data with "ends an HTTP chunk"; every chunk here
 * is complete, and EOF is reported as (b"", False).  A Ready of the pair, or
 * of the closed error. */
static PyObject *
ready_chunk_tuple(RawStreamObject *self, Taken taken)
{
    if (taken.refused || taken.chunk == NULL) {
        return ready_taken(self, taken);
    }
    PyObject *pair =
        PyTuple_Pack(2, taken.chunk, taken.was_at_eof ? Py_False : Py_True);
    Py_DECREF(taken.chunk);
    return aiomoto_ready_steal(aiomoto_state_of((PyObject *)self), pair);
}

static PyObject *
stream_readchunk(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RawStreamObject *self = (RawStreamObject *)op;
    return ready_chunk_tuple(self, take_guarded(self, CHUNK_SIZE));
}

static PyObject *
stream_at_eof(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RawStreamObject *self = (RawStreamObject *)op;
    return PyBool_FromLong(position_guarded(self) == PyBytes_GET_SIZE(self->body));
}

static PyObject *
stream_tell(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(position_guarded((RawStreamObject *)op));
}

static PyObject *
stream_close(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    close_guarded((RawStreamObject *)op);
    Py_RETURN_NONE;
}

/* httpx.Response's spelling of close(), awaited; lets body.aclose() reach the
 * stream through aiobotocore's proxy on releases whose body lacks its own. */
static PyObject *
stream_aclose(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    close_guarded((RawStreamObject *)op);
    return aiomoto_ready_new(aiomoto_state_of(op), Py_None);
}

static PyObject *
stream_aenter(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    return aiomoto_ready_new(aiomoto_state_of(op), op);
}

/* Resolves to None, never True, so exceptions leaving the block propagate. */
static PyObject *
stream_aexit(PyObject *op, PyObject *Py_UNUSED(exc_info))
{
    close_guarded((RawStreamObject *)op);
    return aiomoto_ready_new(aiomoto_state_of(op), Py_None);
}

static PyObject *chunk_iterator_new(RawStreamObject *stream, ChunkMode mode,
                                    Py_ssize_t size);

static PyObject *
stream_iter_chunks(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    return chunk_iterator_new((RawStreamObject *)op, CHUNKS_AS_TUPLES, CHUNK_SIZE);
}

static PyObject *
stream_iter_any(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    return chunk_iterator_new((RawStreamObject *)op, CHUNKS_ANY, CHUNK_SIZE);
}

static PyObject *
stream_iter_chunked(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t n;
    if (check_arity("iter_chunked", nargs, 1, 1) < 0 ||
        size_arg("iter_chunked", args[0], &n) < 0) {
        return NULL;
    }
    if (n <= 0) {
        PyErr_Format(PyExc_ValueError, "iter_chunked() size must be positive, not %zd",
                     n);
        return NULL;
    }
    return chunk_iterator_new((RawStreamObject *)op, CHUNKS_OF_SIZE, n);
}

/* aiobotocore reads through raw.content.read(n) while other callers use
 * raw.read(); with the whole body in memory one object can play both the
 * response and its StreamReader, so content is the stream itself. */
static PyObject *
stream_get_content(PyObject *op, void *Py_UNUSED(closure))
{
    return Py_NewRef(op);
}

static PyObject *
stream_get_closed(PyObject *op, void *Py_UNUSED(closure))
{
    return PyBool_FromLong(closed_guarded((RawStreamObject *)op));
}

/* ---- RawStream lifecycle ---------------------------------------------- */

PyObject *
aiomoto_raw_stream_new(AiomotoState *state, PyObject *body, PyObject *url)
{
    if (!PyBytes_Check(body)) {
        PyErr_Format(PyExc_TypeError, "RawStream body must be bytes, not %.200s",
                     Py_TYPE(body)->tp_name);
        return NULL;
    }
    if (url != Py_None && !PyUnicode_Check(url)) {
        PyErr_Format(PyExc_TypeError, "RawStream url must be str or None, not %.200s",
                     Py_TYPE(url)->tp_name);
        return NULL;
    }
    RawStreamObject *self = PyObject_GC_New(RawStreamObject, state->raw_stream_type);
    if (self == NULL) {
        return NULL;
    }
    self->body = Py_NewRef(body);
    self->url = Py_NewRef(url);
    self->dict = NULL;
    self->pos = 0;
    self->closed = 0;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static PyObject *
stream_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"body", "url", NULL};
    PyObject *body, *url = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:RawStream", kwlist, &body,
                                     &url)) {
        return NULL;
    }
    return aiomoto_raw_stream_new(aiomoto_state_of_type(type), body, url);
}

static PyObject *
stream_repr(PyObject *op)
{
    RawStreamObject *self = (RawStreamObject *)op;
    return PyUnicode_FromFormat("<RawStream %zd/%zd bytes%s>", position_guarded(self),
                                PyBytes_GET_SIZE(self->body),
                                closed_guarded(self) ? " closed" : "");
}

static int
stream_traverse(PyObject *op, visitproc visit, void *arg)
{
    RawStreamObject *self = (RawStreamObject *)op;
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(self->body);
    Py_VISIT(self->url);
    Py_VISIT(self->dict);
    return 0;
}

static int
stream_clear(PyObject *op)
{
    Py_CLEAR(((RawStreamObject *)op)->dict);
    return 0;
}

static void
stream_dealloc(PyObject *op)
{
    RawStreamObject *self = (RawStreamObject *)op;
    PyObject_GC_UnTrack(op);
    Py_CLEAR(self->body);
    Py_CLEAR(self->url);
    Py_CLEAR(self->dict);
    aiomoto_free_instance(op);
}

static PyMethodDef stream_methods[] = {
    {"read", (PyCFunction)(void (*)(void))stream_read, METH_FASTCALL,
     PyDoc_STR("read($self, n=-1, /)\n--\n\nUp to n bytes; the rest if n < 0.")},
    {"readany", stream_readany, METH_NOARGS,
     PyDoc_STR("readany($self, /)\n--\n\nThe next chunk; b'' at EOF.")},
    {"readexactly", (PyCFunction)(void (*)(void))stream_readexactly, METH_FASTCALL,
     PyDoc_STR("readexactly($self, n, /)\n--\n\nExactly n bytes, else "
               "asyncio.IncompleteReadError.")},
    {"readline", stream_readline, METH_NOARGS,
     PyDoc_STR("readline($self, /)\n--\n\nThrough the next newline, or the rest.")},
    {"readchunk", stream_readchunk, METH_NOARGS,
     PyDoc_STR("readchunk($self, /)\n--\n\n(chunk, True); (b'', False) at EOF.")},
    {"at_eof", stream_at_eof, METH_NOARGS,
     PyDoc_STR("at_eof($self, /)\n--\n\nWhether all bytes are read.")},
    {"is_eof", stream_at_eof, METH_NOARGS,
     PyDoc_STR("is_eof($self, /)\n--\n\nWhether all bytes are read.")},
    {"tell", stream_tell, METH_NOARGS,
     PyDoc_STR("tell($self, /)\n--\n\nThe number of bytes read.")},
    {"iter_chunks", stream_iter_chunks, METH_NOARGS,
     PyDoc_STR("iter_chunks($self, /)\n--\n\nIterate (chunk, True) pairs.")},
    {"iter_chunked", (PyCFunction)(void (*)(void))stream_iter_chunked, METH_FASTCALL,
     PyDoc_STR("iter_chunked($self, n, /)\n--\n\nIterate chunks of n bytes.")},
    {"iter_any", stream_iter_any, METH_NOARGS,
     PyDoc_STR("iter_any($self, /)\n--\n\nIterate chunks as they come.")},
    {"close", stream_close, METH_NOARGS,
     PyDoc_STR("close($self, /)\n--\n\nClose; later reads fail.")},
    {"release", stream_close, METH_NOARGS,
     PyDoc_STR("release($self, /)\n--\n\nAs close().")},
    {"aclose", stream_aclose, METH_NOARGS,
     PyDoc_STR("aclose($self, /)\n--\n\nClose; resolve to None.")},
    {"__aenter__", stream_aenter, METH_NOARGS,
     PyDoc_STR("__aenter__($self, /)\n--\n\nResolve to the stream.")},
    {"__aexit__", stream_aexit, METH_VARARGS,
     PyDoc_STR("__aexit__($self, /, *exc_info)\n--\n\nClose; resolve to None.")},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef stream_getset[] = {
    {"content", stream_get_content, NULL, PyDoc_STR("The stream itself."), NULL},
    {"closed", stream_get_closed, NULL, PyDoc_STR("Whether close() was called."),
     NULL},
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef stream_members[] = {
    {"url", AIOMOTO_T_OBJECT, offsetof(RawStreamObject, url), AIOMOTO_READONLY,
     PyDoc_STR("The request URL, or None.")},
    {"__dictoffset__", AIOMOTO_T_PYSSIZET, offsetof(RawStreamObject, dict),
     AIOMOTO_READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot stream_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR("RawStream(body, url=None)\n--\n\n"
                                  "An in-memory HTTP response body with aiohttp's "
                                  "ClientResponse/StreamReader reading interface.")},
    {Py_tp_new, AIOMOTO_SLOT(stream_tp_new)},
    {Py_tp_dealloc, AIOMOTO_SLOT(stream_dealloc)},
    {Py_tp_traverse, AIOMOTO_SLOT(stream_traverse)},
    {Py_tp_clear, AIOMOTO_SLOT(stream_clear)},
    {Py_tp_repr, AIOMOTO_SLOT(stream_repr)},
    {Py_tp_methods, stream_methods},
    {Py_tp_getset, stream_getset},
    {Py_tp_members, stream_members},
    {0, NULL},
};

PyType_Spec aiomoto_raw_stream_spec = {
    .name = "aiomoto._core.RawStream",
    .basicsize = sizeof(RawStreamObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = stream_slots,
};

/* ---- ChunkIterator ---------------------------------------------------- */

static PyObject *
chunk_iterator_new(RawStreamObject *stream, ChunkMode mode, Py_ssize_t size)
{
    AiomotoState *state = aiomoto_state_of((PyObject *)stream);
    ChunkIteratorObject *self =
        PyObject_GC_New(ChunkIteratorObject, state->chunk_iterator_type);
    if (self == NULL) {
        return NULL;
    }
    self->stream = (RawStreamObject *)Py_NewRef(stream);
    self->mode = mode;
    self->size = size;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static PyObject *
ready_stop_async_iteration(AiomotoState *state)
{
    return aiomoto_ready_failed_steal(state,
                                      PyObject_CallNoArgs(PyExc_StopAsyncIteration));
}

static PyObject *
chunks_anext(PyObject *op)
{
    ChunkIteratorObject *self = (ChunkIteratorObject *)op;
    RawStreamObject *stream = self->stream;
    /* At EOF take_guarded takes the empty bytes object, which costs no
     * allocation, and the iteration ends. */
    Taken taken = take_guarded(stream, self->size);
    if (!taken.refused && taken.chunk != NULL && taken.was_at_eof) {
        Py_DECREF(taken.chunk);
        return ready_stop_async_iteration(aiomoto_state_of(op));
    }
    if (self->mode == CHUNKS_AS_TUPLES) {
        return ready_chunk_tuple(stream, taken);
    }
    return ready_taken(stream, taken);
}

static PyObject *
chunks_repr(PyObject *op)
{
    static const char *const mode_names[] = {"iter_chunks", "iter_chunked", "iter_any"};
    ChunkIteratorObject *self = (ChunkIteratorObject *)op;
    return PyUnicode_FromFormat("<ChunkIterator %s of %R>", mode_names[self->mode],
                                (PyObject *)self->stream);
}

static int
chunks_traverse(PyObject *op, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(((ChunkIteratorObject *)op)->stream);
    return 0;
}

static void
chunks_dealloc(PyObject *op)
{
    ChunkIteratorObject *self = (ChunkIteratorObject *)op;
    PyObject_GC_UnTrack(op);
    Py_CLEAR(self->stream);
    aiomoto_free_instance(op);
}

static PyMethodDef chunks_methods[] = {
    {"__class_getitem__", Py_GenericAlias, METH_O | METH_CLASS,
     PyDoc_STR("See PEP 585.")},
    {NULL, NULL, 0, NULL},
};

/* Made only by RawStream's iter_* methods, so calling the class is refused. */
static PyType_Slot chunks_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR(
         "Async iterator over a RawStream's remaining bytes; made by "
         "RawStream.iter_chunks(), iter_chunked() and iter_any().")},
    {Py_tp_dealloc, AIOMOTO_SLOT(chunks_dealloc)},
    {Py_tp_traverse, AIOMOTO_SLOT(chunks_traverse)},
    {Py_tp_repr, AIOMOTO_SLOT(chunks_repr)},
    {Py_am_aiter, AIOMOTO_SLOT(PyObject_SelfIter)},
    {Py_am_anext, AIOMOTO_SLOT(chunks_anext)},
    {Py_tp_methods, chunks_methods},
    {0, NULL},
};

PyType_Spec aiomoto_chunk_iterator_spec = {
    .name = "aiomoto._core.ChunkIterator",
    .basicsize = sizeof(ChunkIteratorObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = chunks_slots,
};
