/* AsyncResponse: the response a mocked request hands to aiobotocore, in place
 * of the AioAWSResponse it would build around a real aiohttp response.
 *
 * The body is complete, so content and text are Ready awaitables and the raw
 * stream is only built if something asks for it: most operations parse
 * content and never touch raw.
 *
 * Thread safety: url, headers and body never change after construction.
 * The status code (writable) and the raw stream (built on first access) are
 * read and written only inside the response's critical section, so on a
 * free-threaded build a getter never meets a status being released by a
 * concurrent set, and threads racing for raw all get the one stream.  With
 * the GIL the sections compile to nothing.
 *
 * Why C: one is built for every mocked aiobotocore request, and its content
 * and text hand out C Ready awaitables without a Python frame; bench/
 * measures the per-call figures. */
#include "core.h"

#include <stddef.h> /* offsetof */

typedef struct {
    PyObject_HEAD
    PyObject *url;         /* str */
    PyObject *status_code; /* int; guarded by the critical section */
    PyObject *headers;     /* whatever configure()'s headers_class builds */
    PyObject *body;        /* bytes */
    PyObject *raw;         /* RawStream, or NULL until first asked for;
                            * guarded by the critical section */
} AsyncResponseObject;

/* A str body is encoded once here so every later read shares one bytes
 * object.  Other bytes-like bodies are copied once, as Moto's own response
 * wrapper (a BytesIO) would accept them too. */
static PyObject *
body_as_bytes(PyObject *body)
{
    if (PyBytes_Check(body)) {
        return Py_NewRef(body);
    }
    if (PyUnicode_Check(body)) {
        return PyUnicode_AsUTF8String(body);
    }
    if (PyObject_CheckBuffer(body)) {
        return PyBytes_FromObject(body);
    }
    PyErr_Format(PyExc_TypeError, "AsyncResponse body must be bytes or str, not %.200s",
                 Py_TYPE(body)->tp_name);
    return NULL;
}

static PyObject *
status_as_int(PyObject *status_code)
{
    if (!PyIndex_Check(status_code)) {
        PyErr_Format(PyExc_TypeError,
                     "AsyncResponse status_code must be an int, not %.200s",
                     Py_TYPE(status_code)->tp_name);
        return NULL;
    }
    return PyNumber_Index(status_code);
}

static AsyncResponseObject *
response_alloc(AiomotoState *state, PyObject *url, PyObject *status, PyObject *headers,
               PyObject *body)
{
    AsyncResponseObject *self =
        PyObject_GC_New(AsyncResponseObject, state->async_response_type);
    if (self == NULL) {
        return NULL;
    }
    self->url = Py_NewRef(url);
    self->status_code = Py_NewRef(status);
    self->headers = Py_NewRef(headers);
    self->body = Py_NewRef(body);
    self->raw = NULL;
    PyObject_GC_Track(self);
    return self;
}

PyObject *
aiomoto_async_response_new(AiomotoState *state, PyObject *url, PyObject *status_code,
                           PyObject *headers, PyObject *body)
{
    if (!PyUnicode_Check(url)) {
        PyErr_Format(PyExc_TypeError, "AsyncResponse url must be str, not %.200s",
                     Py_TYPE(url)->tp_name);
        return NULL;
    }
    PyObject *status = status_as_int(status_code);
    PyObject *wrapped = status ? aiomoto_wrap_headers(state, headers) : NULL;
    PyObject *bytes = wrapped ? body_as_bytes(body) : NULL;
    AsyncResponseObject *self =
        bytes ? response_alloc(state, url, status, wrapped, bytes) : NULL;
    Py_XDECREF(status);
    Py_XDECREF(wrapped);
    Py_XDECREF(bytes);
    return (PyObject *)self;
}

static PyObject *
response_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"url", "status_code", "headers", "body", NULL};
    PyObject *url, *status_code, *headers, *body;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOO:AsyncResponse", kwlist, &url,
                                     &status_code, &headers, &body)) {
        return NULL;
    }
    return aiomoto_async_response_new(aiomoto_state_of_type(type), url, status_code,
                                      headers, body);
}

/* Building the stream neither runs Python code nor blocks, so the section
 * is never suspended meanwhile: the first thread's stream is the one every
 * thread gets. */
static PyObject *
response_get_raw(PyObject *op, void *Py_UNUSED(closure))
{
    AsyncResponseObject *self = (AsyncResponseObject *)op;
    PyObject *raw;
    Py_BEGIN_CRITICAL_SECTION(op);
    if (self->raw == NULL) {
        self->raw = aiomoto_raw_stream_new(aiomoto_state_of(op), self->body, self->url);
    }
    raw = Py_XNewRef(self->raw);
    Py_END_CRITICAL_SECTION();
    return raw;
}

/* A strong reference to the current status code. */
static PyObject *
status_guarded(AsyncResponseObject *self)
{
    PyObject *status;
    Py_BEGIN_CRITICAL_SECTION(self);
    status = Py_NewRef(self->status_code);
    Py_END_CRITICAL_SECTION();
    return status;
}

static PyObject *
response_get_status_code(PyObject *op, void *Py_UNUSED(closure))
{
    return status_guarded((AsyncResponseObject *)op);
}

/* Writable because botocore's and aiobotocore's handlers rewrite it, e.g. to
 * 500 for an S3 "200 with an error body" so that the call is retried. */
static int
response_set_status_code(PyObject *op, PyObject *value, void *Py_UNUSED(closure))
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete status_code");
        return -1;
    }
    PyObject *status = status_as_int(value);
    if (status == NULL) {
        return -1;
    }
    AsyncResponseObject *self = (AsyncResponseObject *)op;
    PyObject *old;
    Py_BEGIN_CRITICAL_SECTION(op);
    old = self->status_code;
    self->status_code = status;
    Py_END_CRITICAL_SECTION();
    Py_DECREF(old); /* after the section: releasing an object may run code */
    return 0;
}

static PyObject *
response_get_content(PyObject *op, void *Py_UNUSED(closure))
{
    return aiomoto_ready_new(aiomoto_state_of(op), ((AsyncResponseObject *)op)->body);
}

static PyObject *
decode_body(AiomotoState *state, AsyncResponseObject *self)
{
    PyObject *encoding = aiomoto_encoding_from_headers(state, self->headers);
    if (encoding == NULL) {
        return NULL;
    }
    if (encoding != Py_None && !PyUnicode_Check(encoding)) {
        PyErr_Format(PyExc_TypeError,
                     "encoding_from_headers() must return str or None, not %.200s",
                     Py_TYPE(encoding)->tp_name);
        Py_DECREF(encoding);
        return NULL;
    }
    /* aiobotocore treats a falsy encoding as "not given". */
    int given = encoding != Py_None && PyUnicode_GET_LENGTH(encoding) > 0;
    const char *name = given ? PyUnicode_AsUTF8(encoding) : "utf-8";
    PyObject *text = name ? PyUnicode_Decode(PyBytes_AS_STRING(self->body),
                                             PyBytes_GET_SIZE(self->body), name, NULL)
                          : NULL;
    Py_DECREF(encoding);
    return text;
}

/* aiobotocore's text is a coroutine, so a body that fails to decode raises
 * where it is awaited; the Ready carries the error there. */
static PyObject *
response_get_text(PyObject *op, void *Py_UNUSED(closure))
{
    AiomotoState *state = aiomoto_state_of(op);
    PyObject *text = decode_body(state, (AsyncResponseObject *)op);
    if (text == NULL) {
        return aiomoto_ready_failed_steal(state, aiomoto_take_exception());
    }
    return aiomoto_ready_steal(state, text);
}

static PyObject *
response_repr(PyObject *op)
{
    PyObject *status = status_guarded((AsyncResponseObject *)op);
    PyObject *repr = PyUnicode_FromFormat("<AsyncResponse [%S]>", status);
    Py_DECREF(status);
    return repr;
}

static int
response_traverse(PyObject *op, visitproc visit, void *arg)
{
    AsyncResponseObject *self = (AsyncResponseObject *)op;
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(self->url);
    Py_VISIT(self->status_code);
    Py_VISIT(self->headers);
    Py_VISIT(self->body);
    Py_VISIT(self->raw);
    return 0;
}

/* Only headers can be an arbitrary object that closes a cycle back here; it
 * becomes None rather than NULL so the getters stay valid.  raw is dropped
 * too: NULL only means it will be rebuilt on the next access. */
static int
response_clear(PyObject *op)
{
    AsyncResponseObject *self = (AsyncResponseObject *)op;
    Py_CLEAR(self->raw);
    aiomoto_reset_to_none(&self->headers);
    return 0;
}

static void
response_dealloc(PyObject *op)
{
    AsyncResponseObject *self = (AsyncResponseObject *)op;
    PyObject_GC_UnTrack(op);
    Py_CLEAR(self->url);
    Py_CLEAR(self->status_code);
    Py_CLEAR(self->headers);
    Py_CLEAR(self->body);
    Py_CLEAR(self->raw);
    aiomoto_free_instance(op);
}

static PyGetSetDef response_getset[] = {
    {"status_code", response_get_status_code, response_set_status_code,
     PyDoc_STR("The HTTP status as an int."), NULL},
    {"raw", response_get_raw, NULL,
     PyDoc_STR("RawStream over the body, created on first access."), NULL},
    {"content", response_get_content, NULL, PyDoc_STR("Ready[bytes]: the whole body."),
     NULL},
    {"text", response_get_text, NULL,
     PyDoc_STR("Ready[str]: the body decoded per the headers' charset, else UTF-8."),
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef response_members[] = {
    {"url", AIOMOTO_T_OBJECT, offsetof(AsyncResponseObject, url), AIOMOTO_READONLY, NULL},
    {"headers", AIOMOTO_T_OBJECT, offsetof(AsyncResponseObject, headers), AIOMOTO_READONLY, NULL},
    {"_content", AIOMOTO_T_OBJECT, offsetof(AsyncResponseObject, body), AIOMOTO_READONLY,
     PyDoc_STR("The body as bytes.")},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot response_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR("AsyncResponse(url, status_code, headers, body)\n--\n\n"
                                  "A complete HTTP response with the interface "
                                  "aiobotocore expects of AioAWSResponse.")},
    {Py_tp_new, AIOMOTO_SLOT(response_tp_new)},
    {Py_tp_dealloc, AIOMOTO_SLOT(response_dealloc)},
    {Py_tp_traverse, AIOMOTO_SLOT(response_traverse)},
    {Py_tp_clear, AIOMOTO_SLOT(response_clear)},
    {Py_tp_repr, AIOMOTO_SLOT(response_repr)},
    {Py_tp_getset, response_getset},
    {Py_tp_members, response_members},
    {0, NULL},
};

PyType_Spec aiomoto_async_response_spec = {
    .name = "aiomoto._core.AsyncResponse",
    .basicsize = sizeof(AsyncResponseObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = response_slots,
};
