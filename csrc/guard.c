/* HttpGuard: installed as the HTTP sessions' `send` while a mock is active, so
 * a request Moto does not handle fails loudly instead of reaching the
 * network. */
#include "core.h"

typedef struct {
    PyObject_HEAD
    PyObject *error_class;
} HttpGuardObject;

static PyObject *
guard_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"error_class", NULL};
    PyObject *error_class;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:HttpGuard", kwlist, &error_class)) {
        return NULL;
    }
    if (!PyExceptionClass_Check(error_class)) {
        PyErr_Format(PyExc_TypeError,
                     "HttpGuard error_class must be an exception class, not %.200s",
                     Py_TYPE(error_class)->tp_name);
        return NULL;
    }
    HttpGuardObject *self = PyObject_GC_New(HttpGuardObject, type);
    if (self == NULL) {
        return NULL;
    }
    self->error_class = Py_NewRef(error_class);
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static PyObject *
blocked_error(PyObject *error_class, PyObject *method, PyObject *url)
{
    PyObject *message = PyUnicode_FromFormat(
        "aiomoto blocked a real HTTP request: %S %S. Moto has no handler for this "
        "URL, so the request would have left the process. Point the client at an "
        "AWS endpoint Moto serves (or remove its endpoint_url), or make this call "
        "outside aiomoto.mock_aws.",
        method, url);
    if (message == NULL) {
        return NULL;
    }
    PyObject *exc = PyObject_CallOneArg(error_class, message);
    Py_DECREF(message);
    if (exc == NULL) {
        return NULL;
    }
    if (PyObject_SetAttrString(exc, "method", method) < 0 ||
        PyObject_SetAttrString(exc, "url", url) < 0) {
        Py_DECREF(exc);
        return NULL;
    }
    return exc;
}

static PyObject *
raise_blocked(PyObject *error_class, PyObject *request)
{
    PyObject *method = PyObject_GetAttrString(request, "method");
    PyObject *url = method ? PyObject_GetAttrString(request, "url") : NULL;
    PyObject *exc = url ? blocked_error(error_class, method, url) : NULL;
    Py_XDECREF(method);
    Py_XDECREF(url);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    return NULL;
}

/* Called as session.send(request), i.e. guard(session, request).  The error
 * is raised here rather than from an awaitable: aiobotocore awaits send()'s
 * result immediately, so the caller sees the same exception either way. */
static PyObject *
guard_call(PyObject *op, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"", "request", NULL};
    PyObject *session, *request;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:send", kwlist, &session,
                                     &request)) {
        return NULL;
    }
    return raise_blocked(((HttpGuardObject *)op)->error_class, request);
}

/* A descriptor like a function, so that as a class attribute it binds to the
 * session it is looked up on. */
static PyObject *
guard_descr_get(PyObject *self, PyObject *obj, PyObject *Py_UNUSED(type))
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

static PyObject *
guard_repr(PyObject *op)
{
    PyObject *error_class = ((HttpGuardObject *)op)->error_class;
    PyObject *name = PyObject_GetAttrString(error_class, "__qualname__");
    if (name == NULL) {
        return NULL;
    }
    PyObject *repr = PyUnicode_FromFormat("<HttpGuard raising %S>", name);
    Py_DECREF(name);
    return repr;
}

/* error_class is fixed at construction and is a class, which has its own
 * tp_clear; like a tuple this type cannot close a cycle by itself, so it is
 * traversed but not cleared, and error_class is never NULL while it lives. */
static int
guard_traverse(PyObject *op, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(((HttpGuardObject *)op)->error_class);
    return 0;
}

static void
guard_dealloc(PyObject *op)
{
    PyObject_GC_UnTrack(op);
    Py_CLEAR(((HttpGuardObject *)op)->error_class);
    aiomoto_free_instance(op);
}

static PyMemberDef guard_members[] = {
    {"error_class", AIOMOTO_T_OBJECT, offsetof(HttpGuardObject, error_class),
     AIOMOTO_READONLY,
     PyDoc_STR("The exception class raised for a blocked request.")},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot guard_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR("HttpGuard(error_class)\n--\n\n"
                                  "A stand-in for an HTTP session's send(request) that "
                                  "raises error_class, with method and url attributes, "
                                  "instead of sending.")},
    {Py_tp_new, guard_tp_new},
    {Py_tp_dealloc, guard_dealloc},
    {Py_tp_traverse, guard_traverse},
    {Py_tp_call, guard_call},
    {Py_tp_descr_get, guard_descr_get},
    {Py_tp_repr, guard_repr},
    {Py_tp_members, guard_members},
    {0, NULL},
};

PyType_Spec aiomoto_http_guard_spec = {
    .name = "aiomoto._core.HttpGuard",
    .basicsize = sizeof(HttpGuardObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = guard_slots,
};
