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
 * Why C: aiobotocore reads every streamed body (get_object, event streams,
 * s3fs) through these, often one small chunk at a time; each read is a C
 * call returning a C Ready, without a Python frame per read or per await.
 * bench/ measures the per-call figures. */
#include <string.h>

#include "core.h"

/* aiohttp reads the socket into 64 KiB buffers, so iterating and readany()
 * hand out chunks of the size they would from a real connection. */
#define CHUNK_SIZE 65536

typedef struct {
    PyObject_HEAD
    PyObject *body; /* bytes */
    PyObject *url;  /* str or None */
    PyObject *dict; /* instance attributes, or NULL until one is set */
    Py_ssize_t pos;
    char closed;
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

static PyObject *
ready_take(RawStreamObject *self, Py_ssize_t n)
{
    return aiomoto_ready_steal(aiomoto_state_of((PyObject *)self), take(self, n));
}

/* Reading a closed stream fails at the await, as aiohttp's does. */
static PyObject *
ready_closed(RawStreamObject *self)
{
    AiomotoState *state = aiomoto_state_of((PyObject *)self);
    return aiomoto_ready_failed_steal(state, aiomoto_closed_error(state));
}

/* Whether reads must fail because the stream was closed.  aiohttp gives a
 * response without a body a shared empty reader that ignores close() and keeps
 * answering b"", so an empty body reads as empty even after close. */
static int
refuses_reads(RawStreamObject *self)
{
    return self->closed && PyBytes_GET_SIZE(self->body) > 0;
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
    if (refuses_reads(self)) {
        return ready_closed(self);
    }
    return ready_take(self, n < 0 ? remaining(self) : n);
}

static PyObject *
stream_readany(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RawStreamObject *self = (RawStreamObject *)op;
    if (refuses_reads(self)) {
        return ready_closed(self);
    }
    return ready_take(self, CHUNK_SIZE);
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
    if (refuses_reads(self)) {
        return ready_closed(self);
    }
    if (n <= remaining(self)) {
        return ready_take(self, n);
    }
    PyObject *partial = take(self, n);
    if (partial == NULL) {
        return NULL;
    }
    PyObject *exc = incomplete_read_error(partial, n);
    Py_DECREF(partial);
    return aiomoto_ready_failed_steal(aiomoto_state_of(op), exc);
}

static PyObject *
stream_readline(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RawStreamObject *self = (RawStreamObject *)op;
    if (refuses_reads(self)) {
        return ready_closed(self);
    }
    const char *start = PyBytes_AS_STRING(self->body) + self->pos;
    const char *newline = memchr(start, '\n', (size_t)remaining(self));
    Py_ssize_t n = newline ? (Py_ssize_t)(newline - start) + 1 : remaining(self);
    return ready_take(self, n);
}

/* aiohttp's readchunk() pairs data with "ends an HTTP chunk"; every chunk here
 * is complete, and EOF is reported as (b"", False). */
static PyObject *
next_chunk_tuple(RawStreamObject *self)
{
    int more = remaining(self) > 0;
    PyObject *chunk = take(self, CHUNK_SIZE);
    if (chunk == NULL) {
        return NULL;
    }
    PyObject *pair = PyTuple_Pack(2, chunk, more ? Py_True : Py_False);
    Py_DECREF(chunk);
    return pair;
}

static PyObject *
stream_readchunk(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    RawStreamObject *self = (RawStreamObject *)op;
    if (refuses_reads(self)) {
        return ready_closed(self);
    }
    return aiomoto_ready_steal(aiomoto_state_of(op), next_chunk_tuple(self));
}

static PyObject *
stream_at_eof(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(remaining((RawStreamObject *)op) == 0);
}

static PyObject *
stream_tell(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(((RawStreamObject *)op)->pos);
}

static PyObject *
stream_close(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    ((RawStreamObject *)op)->closed = 1;
    Py_RETURN_NONE;
}

/* httpx.Response's spelling of close(), awaited; lets body.aclose() reach the
 * stream through aiobotocore's proxy on releases whose body lacks its own. */
static PyObject *
stream_aclose(PyObject *op, PyObject *Py_UNUSED(ignored))
{
    ((RawStreamObject *)op)->closed = 1;
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
    ((RawStreamObject *)op)->closed = 1;
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
    return PyBool_FromLong(((RawStreamObject *)op)->closed);
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
    return PyUnicode_FromFormat("<RawStream %zd/%zd bytes%s>", self->pos,
                                PyBytes_GET_SIZE(self->body),
                                self->closed ? " closed" : "");
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
    {Py_tp_new, stream_tp_new},
    {Py_tp_dealloc, stream_dealloc},
    {Py_tp_traverse, stream_traverse},
    {Py_tp_clear, stream_clear},
    {Py_tp_repr, stream_repr},
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
    if (refuses_reads(stream)) {
        return ready_closed(stream);
    }
    if (remaining(stream) == 0) {
        return ready_stop_async_iteration(aiomoto_state_of(op));
    }
    if (self->mode == CHUNKS_AS_TUPLES) {
        return aiomoto_ready_steal(aiomoto_state_of(op), next_chunk_tuple(stream));
    }
    return ready_take(stream, self->size);
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
    {Py_tp_dealloc, chunks_dealloc},
    {Py_tp_traverse, chunks_traverse},
    {Py_tp_repr, chunks_repr},
    {Py_am_aiter, PyObject_SelfIter},
    {Py_am_anext, chunks_anext},
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
