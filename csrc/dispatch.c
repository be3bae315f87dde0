/* Dispatcher: stands in for BotocoreStubber.__call__ while a mock is active.
 *
 * Moto registers one BotocoreStubber as a before-send handler in every
 * botocore and aiobotocore session.  Sync botocore must keep receiving Moto's
 * own AWSResponse; aiobotocore needs a response it can await the body of.
 * The two reach the stubber through different emitters, and since this is a
 * C callable no Python frame is pushed for it: while it runs, the current
 * frame is the emitter that called it.  So the frame's code object tells the
 * callers apart -- aiobotocore's AioHierarchicalEmitter._emit means an async
 * caller, anything else gets Moto's original behaviour untouched. */
#include "core.h"
#include "structmember.h"

typedef struct {
    PyObject_HEAD
    PyObject *original_call;       /* Moto's BotocoreStubber.__call__ */
    PyObject *async_emit_code;     /* AioHierarchicalEmitter._emit.__code__ */
    PyObject *async_body_dispatch; /* async (dispatcher, stubber, request) */
    PyObject *deferred;            /* dict: event name -> async handler */
    vectorcallfunc vectorcall;
} DispatcherObject;

static int
called_from_async_emitter(DispatcherObject *self)
{
    PyFrameObject *frame = PyEval_GetFrame();
    if (frame == NULL) {
        return 0;
    }
    PyCodeObject *code = PyFrame_GetCode(frame);
    int is_async = (PyObject *)code == self->async_emit_code;
    Py_DECREF(code);
    return is_async;
}

static PyObject *
call_method1(PyObject *obj, const char *name, PyObject *arg)
{
    PyObject *method = PyObject_GetAttrString(obj, name);
    if (method == NULL) {
        return NULL;
    }
    PyObject *result = PyObject_CallOneArg(method, arg);
    Py_DECREF(method);
    return result;
}

/* Moto returns (status, headers, body); unpack it as Moto's __call__ would. */
static PyObject *
response_from_result(PyObject *request, PyObject *result)
{
    PyObject *items = PySequence_Fast(
        result, "process_request() must return None or (status, headers, body)");
    if (items == NULL) {
        return NULL;
    }
    if (PySequence_Fast_GET_SIZE(items) != 3) {
        PyErr_Format(PyExc_TypeError,
                     "process_request() must return None or (status, headers, body), "
                     "not %zd items",
                     PySequence_Fast_GET_SIZE(items));
        Py_DECREF(items);
        return NULL;
    }
    PyObject **parts = PySequence_Fast_ITEMS(items);
    PyObject *url = PyObject_GetAttrString(request, "url");
    PyObject *response =
        url ? aiomoto_async_response_new(url, parts[0], parts[1], parts[2]) : NULL;
    Py_XDECREF(url);
    Py_DECREF(items);
    return response;
}

/* The part of respond() after the enabled check. */
static PyObject *
respond_enabled(PyObject *stubber, PyObject *request)
{
    PyObject *result = call_method1(stubber, "process_request", request);
    if (result == NULL || result == Py_None) {
        return result;
    }
    PyObject *response = response_from_result(request, result);
    Py_DECREF(result);
    return response;
}

static int
stubber_enabled(PyObject *stubber)
{
    PyObject *enabled = PyObject_GetAttrString(stubber, "enabled");
    if (enabled == NULL) {
        return -1;
    }
    int truth = PyObject_IsTrue(enabled);
    Py_DECREF(enabled);
    return truth;
}

static PyObject *
dispatcher_respond(PyObject *Py_UNUSED(self), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError,
                     "respond() takes exactly 2 arguments (stubber, request), "
                     "%zd given",
                     nargs);
        return NULL;
    }
    int enabled = stubber_enabled(args[0]);
    if (enabled <= 0) {
        return enabled < 0 ? NULL : Py_NewRef(Py_None);
    }
    return respond_enabled(args[0], args[1]);
}

/* Bodies Moto can read without awaiting anything. */
static int
body_in_memory(PyObject *body)
{
    return body == Py_None || PyBytes_Check(body) || PyByteArray_Check(body) ||
           PyUnicode_Check(body);
}

/* An argument as the original signature (self, event_name, request,
 * **kwargs) would bind it, by position or by name; borrowed, or NULL without
 * an exception if absent. */
static PyObject *
find_argument(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
              Py_ssize_t position, const char *name)
{
    if (nargs > position) {
        return args[position];
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; i++) {
        if (PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(kwnames, i), name) == 0) {
            return args[nargs + i];
        }
    }
    return NULL;
}

/* The async handler registered for this event (before-send.SERVICE.OP), if
 * any: operations that wait inside Moto, such as SQS long polls, must not run
 * on the event loop's thread.  Borrowed, NULL when there is none. */
static PyObject *
deferred_handler(DispatcherObject *self, PyObject *event_name)
{
    if (event_name == NULL || !PyDict_Check(self->deferred) ||
        PyDict_GET_SIZE(self->deferred) == 0) {
        return NULL;
    }
    return PyDict_GetItemWithError(self->deferred, event_name);
}

static PyObject *
dispatch_async(DispatcherObject *self, PyObject *const *args, Py_ssize_t nargs,
               PyObject *kwnames)
{
    PyObject *request = nargs >= 1 ? find_argument(args, nargs, kwnames, 2, "request")
                                   : NULL;
    if (request == NULL) {
        PyErr_SetString(PyExc_TypeError, "BotocoreStubber.__call__() needs self "
                                         "and a 'request' argument");
        return NULL;
    }
    PyObject *stubber = args[0];
    int enabled = stubber_enabled(stubber);
    if (enabled <= 0) {
        return enabled < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *call_args[] = {(PyObject *)self, stubber, request};
    PyObject *handler =
        deferred_handler(self, find_argument(args, nargs, kwnames, 1, "event_name"));
    if (handler != NULL) {
        return PyObject_Vectorcall(handler, call_args, 3, NULL);
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    PyObject *body = PyObject_GetAttrString(request, "body");
    if (body == NULL) {
        return NULL;
    }
    int in_memory = body_in_memory(body);
    Py_DECREF(body);
    if (in_memory) {
        return respond_enabled(stubber, request);
    }
    return PyObject_Vectorcall(self->async_body_dispatch, call_args, 3, NULL);
}

/* Arguments are forwarded as received, so the sync path costs one frame check
 * over calling Moto directly. */
static PyObject *
dispatcher_vectorcall(PyObject *op, PyObject *const *args, size_t nargsf,
                      PyObject *kwnames)
{
    DispatcherObject *self = (DispatcherObject *)op;
    if (!called_from_async_emitter(self)) {
        return PyObject_Vectorcall(self->original_call, args, nargsf, kwnames);
    }
    return dispatch_async(self, args, PyVectorcall_NARGS(nargsf), kwnames);
}

static int
check_callable(const char *name, PyObject *value)
{
    if (PyCallable_Check(value)) {
        return 0;
    }
    PyErr_Format(PyExc_TypeError, "Dispatcher %s must be callable, not %.200s", name,
                 Py_TYPE(value)->tp_name);
    return -1;
}

static PyObject *
dispatcher_tp_new(PyTypeObject *Py_UNUSED(type), PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"original_call", "async_emit_code", "async_body_dispatch",
                             "deferred", NULL};
    PyObject *original_call, *code, *body_dispatch, *deferred = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO!O|O!:Dispatcher", kwlist,
                                     &original_call, &PyCode_Type, &code,
                                     &body_dispatch, &PyDict_Type, &deferred) ||
        check_callable("original_call", original_call) < 0 ||
        check_callable("async_body_dispatch", body_dispatch) < 0) {
        return NULL;
    }
    DispatcherObject *self = PyObject_GC_New(DispatcherObject, &AiomotoDispatcher_Type);
    if (self == NULL) {
        return NULL;
    }
    self->original_call = Py_NewRef(original_call);
    self->async_emit_code = Py_NewRef(code);
    self->async_body_dispatch = Py_NewRef(body_dispatch);
    self->deferred = deferred ? Py_NewRef(deferred) : PyDict_New();
    if (self->deferred == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    self->vectorcall = dispatcher_vectorcall;
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

/* Binds like a function, so that as BotocoreStubber.__call__ it receives the
 * stubber as its first argument. */
static PyObject *
dispatcher_descr_get(PyObject *self, PyObject *obj, PyObject *Py_UNUSED(type))
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

static PyObject *
dispatcher_repr(PyObject *op)
{
    return PyUnicode_FromFormat("<Dispatcher wrapping %R>",
                                ((DispatcherObject *)op)->original_call);
}

static int
dispatcher_traverse(PyObject *op, visitproc visit, void *arg)
{
    DispatcherObject *self = (DispatcherObject *)op;
    Py_VISIT(self->original_call);
    Py_VISIT(self->async_emit_code);
    Py_VISIT(self->async_body_dispatch);
    Py_VISIT(self->deferred);
    return 0;
}

/* Fields become None rather than NULL: a call through a cleared Dispatcher
 * then fails with TypeError instead of crashing. */
static int
dispatcher_clear(PyObject *op)
{
    DispatcherObject *self = (DispatcherObject *)op;
    aiomoto_reset_to_none(&self->original_call);
    aiomoto_reset_to_none(&self->async_emit_code);
    aiomoto_reset_to_none(&self->async_body_dispatch);
    aiomoto_reset_to_none(&self->deferred);
    return 0;
}

static void
dispatcher_dealloc(PyObject *op)
{
    DispatcherObject *self = (DispatcherObject *)op;
    PyObject_GC_UnTrack(op);
    Py_CLEAR(self->original_call);
    Py_CLEAR(self->async_emit_code);
    Py_CLEAR(self->async_body_dispatch);
    Py_CLEAR(self->deferred);
    Py_TYPE(op)->tp_free(op);
}

static PyMethodDef dispatcher_methods[] = {
    {"respond", (PyCFunction)(void (*)(void))dispatcher_respond, METH_FASTCALL,
     PyDoc_STR("respond($self, stubber, request, /)\n--\n\n"
               "Let Moto process request and wrap its answer for aiobotocore.")},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef dispatcher_members[] = {
    {"__wrapped__", T_OBJECT, offsetof(DispatcherObject, original_call), READONLY,
     PyDoc_STR("Moto's original BotocoreStubber.__call__.")},
    {NULL, 0, 0, 0, NULL},
};

PyTypeObject AiomotoDispatcher_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "aiomoto._core.Dispatcher",
    .tp_doc = PyDoc_STR(
        "Dispatcher(original_call, async_emit_code, async_body_dispatch, "
        "deferred=None)\n--\n\n"
        "A replacement for BotocoreStubber.__call__ that answers aiobotocore with "
        "an AsyncResponse and everything else with Moto's original __call__."),
    .tp_basicsize = sizeof(DispatcherObject),
    /* METHOD_DESCRIPTOR: a call through an instance need not build a bound
     * method, since calling this with the instance prepended is the same. */
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL |
                Py_TPFLAGS_METHOD_DESCRIPTOR,
    .tp_vectorcall_offset = offsetof(DispatcherObject, vectorcall),
    .tp_new = dispatcher_tp_new,
    .tp_dealloc = dispatcher_dealloc,
    .tp_traverse = dispatcher_traverse,
    .tp_clear = dispatcher_clear,
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = dispatcher_descr_get,
    .tp_repr = dispatcher_repr,
    .tp_methods = dispatcher_methods,
    .tp_members = dispatcher_members,
};
