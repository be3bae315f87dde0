/* Dispatcher: stands in for BotocoreStubber.__call__ while a mock is active.
 *
 * Moto registers one BotocoreStubber as a before-send handler in every
 * botocore and aiobotocore session.  Sync botocore must keep receiving Moto's
 * own AWSResponse; aiobotocore needs a response it can await the body of.
 * The two reach the stubber through different emitters, and since this is a
 * C callable no Python frame is pushed for it: while it runs, the current
 * frame is the emitter that called it.  So the frame's code object tells the
 * callers apart -- aiobotocore's AioHierarchicalEmitter._emit means an async
 * caller, anything else gets Moto's original behaviour untouched.
 *
 * Moto's backends are not thread safe, so with a DispatchLock every call into
 * Moto -- the original __call__ for sync callers, process_request for async
 * ones -- runs holding it.  It is never held across an await.
 *
 * With max_body_bytes >= 0, an async request whose in-memory body is larger
 * goes to async_body_dispatch, which owns the limit's error; bodies that must
 * be awaited always go there.
 *
 * Thread safety: a Dispatcher's fields never change after construction
 * (tp_clear, run only by the garbage collector on an unreachable one, sets
 * them to None), so it needs no guard of its own, and any number of threads
 * may call it at once.  What it reads from containers that other code can
 * change -- the deferred dict, the sequence Moto returns -- it holds by
 * strong reference: the handler through PyDict_GetItemRef, the three parts
 * copied inside the sequence's critical section (the one CPython takes for
 * a list).  Calls into Moto are serialised by the DispatchLock (lock.c).
 *
 * Why C: it runs on every request, sync and async.  As a C vectorcall
 * callable it adds no Python frame, which is also what lets it tell its
 * callers apart by the current frame; bench/ measures the per-call figures. */
#include "core.h"

#include <stddef.h> /* offsetof, size_t */
#include <string.h> /* memcmp */

typedef struct {
    PyObject_HEAD
    PyObject *original_call;       /* Moto's BotocoreStubber.__call__ */
    PyObject *async_emit_code;     /* AioHierarchicalEmitter._emit.__code__ */
    PyObject *async_body_dispatch; /* async (dispatcher, stubber, request, event) */
    PyObject *deferred;            /* dict: event name -> async handler */
    PyObject *lock;                /* DispatchLock, or None for no locking */
    Py_ssize_t max_body_bytes;     /* -1: no limit */
    PyObject *not_implemented;     /* (event_name, exc) -> exc or None; or None */
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

/* Moto answers an AWS URL it has no handler for with a 404 whose body is
 * this; with not_implemented set, the dispatcher raises NotImplementedError
 * instead, which explain_not_implemented() then turns into an error naming
 * the call. */
static const char NOT_YET[] = "Not yet implemented";

static int
is_not_yet_body(PyObject *body)
{
    if (PyUnicode_Check(body)) {
        return PyUnicode_CompareWithASCIIString(body, NOT_YET) == 0;
    }
    if (PyBytes_Check(body)) {
        return PyBytes_GET_SIZE(body) == (Py_ssize_t)(sizeof(NOT_YET) - 1) &&
               memcmp(PyBytes_AS_STRING(body), NOT_YET, sizeof(NOT_YET) - 1) == 0;
    }
    return 0;
}

static int
is_404(PyObject *status)
{
    int overflow = 0;
    return PyLong_Check(status) && PyLong_AsLongAndOverflow(status, &overflow) == 404;
}

/* Always returns NULL: with NotImplementedError set, naming the request's
 * method and URL when it has them, or with the error that stopped reading
 * them if that was not a missing attribute. */
static PyObject *
raise_not_yet(AiomotoState *state, PyObject *request)
{
    PyObject *method = request ? PyObject_GetAttr(request, state->str_method) : NULL;
    PyObject *url = method ? PyObject_GetAttr(request, state->str_url) : NULL;
    if (url != NULL) {
        PyErr_Format(PyExc_NotImplementedError,
                     "no Moto handler for %S %S: Moto does not implement this "
                     "service or operation",
                     method, url);
    }
    else if (!PyErr_Occurred() || PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        PyErr_SetString(PyExc_NotImplementedError,
                        "no Moto handler for this request: Moto does not implement "
                        "this service or operation");
    }
    Py_XDECREF(method);
    Py_XDECREF(url);
    return NULL;
}

/* 1 when Moto's sync AWSResponse is its "Not yet implemented" 404, 0 when
 * not (or when it is not an AWSResponse), -1 on error.  Reading content
 * caches it on the response, so botocore reads the same bytes later. */
static int
is_not_yet_response(AiomotoState *state, PyObject *response)
{
    PyObject *status = PyObject_GetAttr(response, state->str_status_code);
    if (status == NULL) {
        PyErr_Clear();
        return 0;
    }
    int not_found = is_404(status);
    Py_DECREF(status);
    if (!not_found) {
        return 0;
    }
    PyObject *content = PyObject_GetAttr(response, state->str_content);
    if (content == NULL) {
        return -1;
    }
    int not_yet = is_not_yet_body(content);
    Py_DECREF(content);
    return not_yet;
}

/* Copy (status, headers, body) out of Moto's result as new references in
 * parts: the headers class runs arbitrary code, which could change a list
 * that is not ours.  0, or -1 with TypeError for anything else. */
static int
unpack_result(PyObject *result, PyObject *parts[3])
{
    PyObject *items = PySequence_Fast(
        result, "process_request() must return None or (status, headers, body)");
    if (items == NULL) {
        return -1;
    }
    Py_ssize_t size;
    Py_BEGIN_CRITICAL_SECTION(items);
    size = PySequence_Fast_GET_SIZE(items);
    for (Py_ssize_t i = 0; i < 3; i++) {
        parts[i] = size == 3 ? Py_NewRef(PySequence_Fast_GET_ITEM(items, i)) : NULL;
    }
    Py_END_CRITICAL_SECTION();
    Py_DECREF(items);
    if (size != 3) {
        PyErr_Format(PyExc_TypeError,
                     "process_request() must return None or (status, headers, body), "
                     "not %zd items",
                     size);
        return -1;
    }
    return 0;
}

/* Moto returns (status, headers, body); unpack it as Moto's __call__ would. */
static PyObject *
response_from_result(AiomotoState *state, DispatcherObject *self, PyObject *request,
                     PyObject *result)
{
    PyObject *parts[3];
    if (unpack_result(result, parts) < 0) {
        return NULL;
    }
    PyObject *response = NULL;
    if (self->not_implemented != Py_None && is_404(parts[0]) &&
        is_not_yet_body(parts[2])) {
        raise_not_yet(state, request);
    }
    else {
        PyObject *url = PyObject_GetAttr(request, state->str_url);
        response = url ? aiomoto_async_response_new(state, url, parts[0], parts[1],
                                                    parts[2])
                       : NULL;
        Py_XDECREF(url);
    }
    for (size_t i = 0; i < 3; i++) {
        Py_DECREF(parts[i]);
    }
    return response;
}

/* Call into Moto holding the lock.  A strong reference keeps the lock alive
 * even if the Dispatcher is cleared meanwhile, so the one acquired is the one
 * released. */
static PyObject *
call_locked(DispatcherObject *self, PyObject *callable, PyObject *const *args,
            size_t nargsf, PyObject *kwnames)
{
    if (self->lock == Py_None) {
        return PyObject_Vectorcall(callable, args, nargsf, kwnames);
    }
    PyObject *lock = Py_NewRef(self->lock);
    Py_INCREF(callable);
    PyObject *result = NULL;
    if (aiomoto_lock_acquire(lock) == 0) {
        result = PyObject_Vectorcall(callable, args, nargsf, kwnames);
        aiomoto_lock_release(lock);
    }
    Py_DECREF(callable);
    Py_DECREF(lock);
    return result;
}

/* The part of respond() after the enabled check. */
static PyObject *
respond_enabled(AiomotoState *state, DispatcherObject *self, PyObject *stubber,
                PyObject *request)
{
    PyObject *method = PyObject_GetAttr(stubber, state->str_process_request);
    if (method == NULL) {
        return NULL;
    }
    PyObject *result = call_locked(self, method, &request, 1, NULL);
    Py_DECREF(method);
    if (result == NULL || result == Py_None) {
        return result;
    }
    PyObject *response = response_from_result(state, self, request, result);
    Py_DECREF(result);
    return response;
}

static int
stubber_enabled(AiomotoState *state, PyObject *stubber)
{
    PyObject *enabled = PyObject_GetAttr(stubber, state->str_enabled);
    if (enabled == NULL) {
        return -1;
    }
    int truth = PyObject_IsTrue(enabled);
    Py_DECREF(enabled);
    return truth;
}

/* Raise what not_implemented(event_name, exc) returns in place of the
 * NotImplementedError being raised, chained to it; None keeps the original.
 * Moto raises NotImplementedError for what it lacks, and only here is the
 * event name -- before-send.SERVICE.OPERATION -- known to name the call. */
static void
explain_not_implemented(DispatcherObject *self, PyObject *event_name)
{
    PyObject *exc = aiomoto_take_exception();
    if (exc == NULL) {
        return;
    }
    PyObject *replacement = PyObject_CallFunctionObjArgs(
        self->not_implemented, event_name ? event_name : Py_None, exc, NULL);
    if (replacement == NULL) {
        Py_DECREF(exc);
        return;
    }
    if (replacement == Py_None) {
        Py_DECREF(replacement);
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
        return;
    }
    if (!PyExceptionInstance_Check(replacement)) {
        PyErr_Format(PyExc_TypeError,
                     "not_implemented must return an exception or None, not %.200s",
                     Py_TYPE(replacement)->tp_name);
        Py_DECREF(replacement);
        Py_DECREF(exc);
        return;
    }
    PyException_SetCause(replacement, Py_NewRef(exc));
    PyException_SetContext(replacement, exc); /* steals exc */
    PyErr_SetObject((PyObject *)Py_TYPE(replacement), replacement);
    Py_DECREF(replacement);
}

/* The result, or NULL with the error explained when it is Moto's
 * NotImplementedError and the dispatcher has an explainer. */
static PyObject *
explained(DispatcherObject *self, PyObject *result, PyObject *event_name)
{
    if (result == NULL && self->not_implemented != Py_None &&
        PyErr_ExceptionMatches(PyExc_NotImplementedError)) {
        explain_not_implemented(self, event_name);
    }
    return result;
}

/* respond(stubber, request, event_name=None): Moto's answer to an async
 * caller, for the handlers that run after an await (deferred events, bodies
 * read first).  With the event name, Moto's NotImplementedError is explained
 * as it is for calls answered at once. */
static PyObject *
dispatcher_respond(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 && nargs != 3) {
        PyErr_Format(PyExc_TypeError,
                     "respond() takes 2 or 3 arguments (stubber, request, "
                     "event_name=None), %zd given",
                     nargs);
        return NULL;
    }
    DispatcherObject *self = (DispatcherObject *)op;
    AiomotoState *state = aiomoto_state_of(op);
    int enabled = stubber_enabled(state, args[0]);
    if (enabled <= 0) {
        return enabled < 0 ? NULL : Py_NewRef(Py_None);
    }
    return explained(self, respond_enabled(state, self, args[0], args[1]),
                     nargs == 3 ? args[2] : NULL);
}

/* Bodies Moto can read without awaiting anything, and within the limit.  A
 * str's UTF-8 size is up to 4 bytes a character; one that might be over goes
 * to async_body_dispatch, which measures it. */
static int
body_in_memory(DispatcherObject *self, PyObject *body)
{
    Py_ssize_t size, max = self->max_body_bytes;
    if (body == Py_None) {
        return 1;
    }
    if (PyBytes_Check(body)) {
        size = PyBytes_GET_SIZE(body);
    }
    else if (PyByteArray_Check(body)) {
        size = PyByteArray_GET_SIZE(body);
    }
    else if (PyUnicode_Check(body)) {
        size = PyUnicode_GET_LENGTH(body);
        max /= 4;
    }
    else {
        return 0;
    }
    return self->max_body_bytes < 0 || size <= max;
}

/* An argument as the original signature (self, event_name, request,
 * **kwargs) would bind it, by position or by name; borrowed, or NULL without
 * an exception if absent. */
static PyObject *
find_argument(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
              Py_ssize_t position, PyObject *name)
{
    if (nargs > position) {
        return args[position];
    }
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    /* Keyword names are usually the interned strings themselves. */
    for (Py_ssize_t i = 0; i < nkw; i++) {
        if (PyTuple_GET_ITEM(kwnames, i) == name) {
            return args[nargs + i];
        }
    }
    for (Py_ssize_t i = 0; i < nkw; i++) {
        if (PyUnicode_Compare(PyTuple_GET_ITEM(kwnames, i), name) == 0) {
            return args[nargs + i];
        }
    }
    return NULL;
}

/* The async handler registered for this event (before-send.SERVICE.OP), if
 * any: operations that wait inside Moto, such as SQS long polls, must not run
 * on the event loop's thread.  A new reference, or NULL when there is none
 * (with an exception set if the lookup failed). */
static PyObject *
deferred_handler(DispatcherObject *self, PyObject *event_name)
{
    if (event_name == NULL || !PyDict_Check(self->deferred) ||
        PyDict_GET_SIZE(self->deferred) == 0) {
        return NULL;
    }
    PyObject *handler;
    PyDict_GetItemRef(self->deferred, event_name, &handler);
    return handler;
}

static PyObject *
dispatch_async(AiomotoState *state, DispatcherObject *self, PyObject *const *args,
               Py_ssize_t nargs, PyObject *kwnames)
{
    PyObject *request =
        nargs >= 1 ? find_argument(args, nargs, kwnames, 2, state->str_request) : NULL;
    if (request == NULL) {
        PyErr_SetString(PyExc_TypeError, "BotocoreStubber.__call__() needs self "
                                         "and a 'request' argument");
        return NULL;
    }
    PyObject *stubber = args[0];
    int enabled = stubber_enabled(state, stubber);
    if (enabled <= 0) {
        return enabled < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *event_name =
        find_argument(args, nargs, kwnames, 1, state->str_event_name);
    PyObject *call_args[] = {(PyObject *)self, stubber, request,
                             event_name ? event_name : Py_None};
    PyObject *handler = deferred_handler(self, event_name);
    if (handler != NULL) {
        PyObject *deferred = PyObject_Vectorcall(handler, call_args, 4, NULL);
        Py_DECREF(handler);
        return deferred;
    }
    if (PyErr_Occurred()) {
        return NULL;
    }
    PyObject *body = PyObject_GetAttr(request, state->str_body);
    if (body == NULL) {
        return NULL;
    }
    int in_memory = body_in_memory(self, body);
    Py_DECREF(body);
    if (in_memory) {
        return respond_enabled(state, self, stubber, request);
    }
    return PyObject_Vectorcall(self->async_body_dispatch, call_args, 4, NULL);
}

/* Arguments are forwarded as received, so the sync path costs one frame check
 * over calling Moto directly. */
static PyObject *
dispatcher_vectorcall(PyObject *op, PyObject *const *args, size_t nargsf,
                      PyObject *kwnames)
{
    DispatcherObject *self = (DispatcherObject *)op;
    AiomotoState *state = aiomoto_state_of(op);
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    PyObject *result;
    if (!called_from_async_emitter(self)) {
        result = call_locked(self, self->original_call, args, nargsf, kwnames);
        if (result != NULL && result != Py_None && self->not_implemented != Py_None) {
            int not_yet = is_not_yet_response(state, result);
            if (not_yet != 0) {
                Py_CLEAR(result);
                if (not_yet > 0) {
                    raise_not_yet(state, find_argument(args, nargs, kwnames, 2,
                                                       state->str_request));
                }
            }
        }
    }
    else {
        result = dispatch_async(state, self, args, nargs, kwnames);
    }
    if (result != NULL) {
        return result;
    }
    return explained(self, NULL,
                     find_argument(args, nargs, kwnames, 1, state->str_event_name));
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
dispatcher_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"original_call",  "async_emit_code", "async_body_dispatch",
                             "deferred",       "lock",            "max_body_bytes",
                             "not_implemented", NULL};
    PyObject *original_call, *code, *body_dispatch, *deferred = NULL;
    PyObject *lock = Py_None, *max_body = Py_None, *not_implemented = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO!O|O!$OOO:Dispatcher", kwlist,
                                     &original_call, &PyCode_Type, &code,
                                     &body_dispatch, &PyDict_Type, &deferred, &lock,
                                     &max_body, &not_implemented) ||
        check_callable("original_call", original_call) < 0 ||
        check_callable("async_body_dispatch", body_dispatch) < 0 ||
        (not_implemented != Py_None &&
         check_callable("not_implemented", not_implemented) < 0)) {
        return NULL;
    }
    AiomotoState *state = aiomoto_state_of_type(type);
    if (lock != Py_None && !Py_IS_TYPE(lock, state->dispatch_lock_type)) {
        PyErr_Format(PyExc_TypeError,
                     "Dispatcher lock must be a DispatchLock or None, not %.200s",
                     Py_TYPE(lock)->tp_name);
        return NULL;
    }
    Py_ssize_t max_body_bytes = -1;
    if (max_body != Py_None) {
        if (!PyLong_Check(max_body)) {
            PyErr_Format(PyExc_TypeError,
                         "Dispatcher max_body_bytes must be an int or None, not %.200s",
                         Py_TYPE(max_body)->tp_name);
            return NULL;
        }
        max_body_bytes = PyLong_AsSsize_t(max_body);
        if (max_body_bytes == -1 && PyErr_Occurred()) {
            return NULL;
        }
        if (max_body_bytes < 0) {
            PyErr_SetString(PyExc_ValueError,
                            "Dispatcher max_body_bytes must be >= 0 or None");
            return NULL;
        }
    }
    DispatcherObject *self = PyObject_GC_New(DispatcherObject, type);
    if (self == NULL) {
        return NULL;
    }
    self->original_call = Py_NewRef(original_call);
    self->async_emit_code = Py_NewRef(code);
    self->async_body_dispatch = Py_NewRef(body_dispatch);
    self->deferred = deferred ? Py_NewRef(deferred) : PyDict_New();
    self->lock = Py_NewRef(lock);
    self->max_body_bytes = max_body_bytes;
    self->not_implemented = Py_NewRef(not_implemented);
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
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(self->original_call);
    Py_VISIT(self->async_emit_code);
    Py_VISIT(self->async_body_dispatch);
    Py_VISIT(self->deferred);
    Py_VISIT(self->lock);
    Py_VISIT(self->not_implemented);
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
    aiomoto_reset_to_none(&self->lock);
    aiomoto_reset_to_none(&self->not_implemented);
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
    Py_CLEAR(self->lock);
    Py_CLEAR(self->not_implemented);
    aiomoto_free_instance(op);
}

static PyMethodDef dispatcher_methods[] = {
    {"respond", (PyCFunction)(void (*)(void))dispatcher_respond, METH_FASTCALL,
     PyDoc_STR("respond($self, stubber, request, event_name=None, /)\n--\n\n"
               "Let Moto process request and wrap its answer for aiobotocore;\n"
               "with the event name, NotImplementedError is explained.")},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef dispatcher_members[] = {
    {"__wrapped__", AIOMOTO_T_OBJECT, offsetof(DispatcherObject, original_call),
     AIOMOTO_READONLY, PyDoc_STR("Moto's original BotocoreStubber.__call__.")},
    {"lock", AIOMOTO_T_OBJECT, offsetof(DispatcherObject, lock), AIOMOTO_READONLY,
     PyDoc_STR("The DispatchLock held while Moto runs, or None.")},
    {"max_body_bytes", AIOMOTO_T_PYSSIZET, offsetof(DispatcherObject, max_body_bytes),
     AIOMOTO_READONLY,
     PyDoc_STR("The largest async request body passed to Moto; -1 for no limit.")},
    {"__vectorcalloffset__", AIOMOTO_T_PYSSIZET, offsetof(DispatcherObject, vectorcall),
     AIOMOTO_READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot dispatcher_slots[] = {
    {Py_tp_doc, (void *)PyDoc_STR(
         "Dispatcher(original_call, async_emit_code, async_body_dispatch, "
         "deferred=None, *, lock=None, max_body_bytes=None, not_implemented=None)"
         "\n--\n\n"
         "A replacement for BotocoreStubber.__call__ that answers aiobotocore with "
         "an AsyncResponse and everything else with Moto's original __call__.")},
    {Py_tp_new, AIOMOTO_SLOT(dispatcher_tp_new)},
    {Py_tp_dealloc, AIOMOTO_SLOT(dispatcher_dealloc)},
    {Py_tp_traverse, AIOMOTO_SLOT(dispatcher_traverse)},
    {Py_tp_clear, AIOMOTO_SLOT(dispatcher_clear)},
    {Py_tp_call, AIOMOTO_SLOT(PyVectorcall_Call)},
    {Py_tp_descr_get, AIOMOTO_SLOT(dispatcher_descr_get)},
    {Py_tp_repr, AIOMOTO_SLOT(dispatcher_repr)},
    {Py_tp_methods, dispatcher_methods},
    {Py_tp_members, dispatcher_members},
    {0, NULL},
};

PyType_Spec aiomoto_dispatcher_spec = {
    .name = "aiomoto._core.Dispatcher",
    .basicsize = sizeof(DispatcherObject),
    /* METHOD_DESCRIPTOR: a call through an instance need not build a bound
     * method, since calling this with the instance prepended is the same. */
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_METHOD_DESCRIPTOR,
    .slots = dispatcher_slots,
};
