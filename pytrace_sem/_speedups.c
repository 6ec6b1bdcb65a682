/* The recorder's hot paths in C.
 *
 * Optional: ``_runtime.py`` is complete without this module and uses it when it
 * builds and imports. Each function here does exactly what its Python twin in
 * ``_runtime.py`` does on that twin's fast path, reading the same module
 * globals (``_top``, ``_thread``, ``_log``, ``_max_steps``, ``_key``); any case
 * off the fast path is handed to the Python twin, unchanged, so the slow paths
 * exist once. Calling the twin (rather than ``_record`` directly) keeps the
 * Python frame depth that ``_rebound`` relies on.
 *
 * The fast path of a step: the recording frame is known, this is its thread,
 * the values are immutable and no tracked mutable value can have changed; the
 * step is then one tuple appended to the log.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <pythread.h>

/* -- the frame record ---------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *info;    /* (qualname, line, argnames, flags) */
    PyObject *depth;
    PyObject *muts;    /* name -> (live object, snapshot) */
    PyObject *objs;    /* how many tracked values are arbitrary objects */
    PyObject *serial;
} FrameObject;

static PyTypeObject FrameType;

static PyObject *
frame_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *info, *depth, *serial;
    static char *kwlist[] = {"info", "depth", "serial", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO:Frame", kwlist, &info, &depth, &serial))
        return NULL;
    FrameObject *self = (FrameObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->muts = PyDict_New();
    if (self->muts == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    Py_INCREF(info);
    self->info = info;
    Py_INCREF(depth);
    self->depth = depth;
    Py_INCREF(serial);
    self->serial = serial;
    self->objs = PyLong_FromLong(0);
    return (PyObject *)self;
}

static PyObject *
frame_make(PyObject *info, PyObject *depth, PyObject *serial)
{
    FrameObject *self = PyObject_GC_New(FrameObject, &FrameType);
    if (self == NULL)
        return NULL;
    self->muts = PyDict_New();
    if (self->muts == NULL) {
        self->info = self->depth = self->objs = self->serial = NULL;
        Py_DECREF(self);
        return NULL;
    }
    self->info = Py_NewRef(info);
    self->depth = Py_NewRef(depth);
    self->serial = Py_NewRef(serial);
    self->objs = PyLong_FromLong(0);
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int
frame_traverse(FrameObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->info);
    Py_VISIT(self->depth);
    Py_VISIT(self->muts);
    Py_VISIT(self->objs);
    Py_VISIT(self->serial);
    return 0;
}

static int
frame_clear(FrameObject *self)
{
    Py_CLEAR(self->info);
    Py_CLEAR(self->depth);
    Py_CLEAR(self->muts);
    Py_CLEAR(self->objs);
    Py_CLEAR(self->serial);
    return 0;
}

static void
frame_dealloc(FrameObject *self)
{
    PyObject_GC_UnTrack(self);
    frame_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef frame_members[] = {
    {"info", T_OBJECT_EX, offsetof(FrameObject, info), 0, NULL},
    {"depth", T_OBJECT_EX, offsetof(FrameObject, depth), 0, NULL},
    {"muts", T_OBJECT_EX, offsetof(FrameObject, muts), 0, NULL},
    {"objs", T_OBJECT_EX, offsetof(FrameObject, objs), 0, NULL},
    {"serial", T_OBJECT_EX, offsetof(FrameObject, serial), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject FrameType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pytrace_sem._speedups.Frame",
    .tp_doc = "One call of an instrumented function during a session.",
    .tp_basicsize = sizeof(FrameObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = frame_new,
    .tp_traverse = (traverseproc)frame_traverse,
    .tp_clear = (inquiry)frame_clear,
    .tp_dealloc = (destructor)frame_dealloc,
    .tp_members = frame_members,
};

/* -- state shared with _runtime.py --------------------------------------- */

static PyObject *G;         /* _runtime's globals */
static PyObject *atoms;     /* _ATOMS_FROZEN */
static PyObject *py_s, *py_s1, *py_b, *py_r, *py_e, *py_l;   /* the Python twins */
static PyObject *k_top, *k_thread, *k_log, *k_max_steps, *k_key, *k_session, *k_stop, *k_max_steps_reason;
static PyObject *k_busy, *k_call_st, *k_record, *k_leave, *k_snap;
static PyObject *a_keep, *a_stack, *a_serial, *a_frames, *a_recording;
static PyObject *k_call_kind;   /* K_CALL */
static PyObject *zero, *one;
/* _log, _max_steps and _thread change together, only when a session starts,
 * ends or is re-attached; _runtime passes them here each time (``session``). */
static PyObject *cur_log;
static Py_ssize_t cur_max_steps;
static unsigned long thread_val;

#define MUT_AUG 2
#define MAX_KEYS 8

static inline PyObject *
glob(PyObject *key)  /* borrowed; NULL (no error set) when missing */
{
    PyObject *v = PyDict_GetItemWithError(G, key);
    if (v == NULL)
        PyErr_Clear();
    return v;
}

static inline int
same_thread(void)
{
    return PyThread_get_thread_ident() == thread_val;
}

static PyObject *
sp_session(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3 || !PyList_CheckExact(args[0])) {
        PyErr_SetString(PyExc_TypeError, "session(log, max_steps, thread)");
        return NULL;
    }
    Py_ssize_t max = PyLong_AsSsize_t(args[1]);
    if (max == -1 && PyErr_Occurred())
        return NULL;
    unsigned long t = PyLong_AsUnsignedLong(args[2]);
    if (t == (unsigned long)-1 && PyErr_Occurred())
        return NULL;
    Py_INCREF(args[0]);
    Py_XSETREF(cur_log, args[0]);
    cur_max_steps = max;
    thread_val = t;
    Py_RETURN_NONE;
}

static inline int
is_atom(PyObject *v)
{
    PyTypeObject *t = Py_TYPE(v);
    if (t == &PyLong_Type || t == &PyUnicode_Type || t == &PyFloat_Type ||
            t == &PyBool_Type || v == Py_None)
        return 1;
    int r = PySet_Contains(atoms, (PyObject *)t);
    if (r < 0) {
        PyErr_Clear();
        return 0;
    }
    return r;
}

/* The recording frame, if this thread records into one: 1 and *out set; 0 when
 * nothing records here; -1 when the Python twin must decide (a frame record
 * this module did not make). */
static inline int
recording_frame(FrameObject **out)
{
    PyObject *fr = glob(k_top);
    if (fr == NULL || fr == Py_None || !same_thread())
        return 0;
    if (Py_TYPE(fr) != &FrameType)
        return -1;
    FrameObject *f = (FrameObject *)fr;
    if (f->muts == NULL || !PyDict_CheckExact(f->muts) || f->serial == NULL || f->objs == NULL)
        return -1;
    *out = f;
    return 1;
}

/* The statement constant's may_mutate item, classified:
 * -1 a tuple (names nested functions rebind), 0 false, 1 true, MUT_AUG. */
static inline int
may_mutate(PyObject *st)
{
    PyObject *m = PyTuple_GET_ITEM(st, 3);
    if (PyTuple_CheckExact(m))
        return -1;
    if (PyLong_CheckExact(m)) {
        long v = PyLong_AsLong(m);
        return v == 0 ? 0 : (v == MUT_AUG ? MUT_AUG : 1);
    }
    int t = PyObject_IsTrue(m);
    if (t < 0) {
        PyErr_Clear();
        return 1;
    }
    return t;
}

static inline int
valid_st(PyObject *st)
{
    return PyTuple_CheckExact(st) && PyTuple_GET_SIZE(st) >= 4 &&
        PyTuple_CheckExact(PyTuple_GET_ITEM(st, 2));
}

static inline int
falsy(PyObject *v)
{
    int t = PyObject_IsTrue(v);
    if (t < 0) {
        PyErr_Clear();
        return 0;
    }
    return !t;
}

/* A tuple that holds no tracked container can never be part of a cycle:
 * untrack it now, as the cyclic GC would on its first pass over it, so that
 * no collection has to visit it (a log holds very many entries). */
static void
untrack(PyObject *tuple)
{
    Py_ssize_t n = PyTuple_GET_SIZE(tuple);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PyTuple_GET_ITEM(tuple, i);
        if (PyObject_IS_GC(item) && PyObject_GC_IsTracked(item))
            return;
    }
    if (PyObject_GC_IsTracked(tuple))
        PyObject_GC_UnTrack(tuple);
}

/* Append ``entry`` (a new reference, stolen) to the log; stop at max_steps
 * when ``check``. Returns 0, or -1 with an error set. */
static int
append(PyObject *entry, PyObject *st, int check)
{
    if (entry == NULL)
        return -1;
    PyObject *log = cur_log;
    if (log == NULL) {
        Py_DECREF(entry);
        PyErr_SetString(PyExc_RuntimeError, "pytrace_sem: the step log is missing");
        return -1;
    }
    untrack(entry);
    int rc = PyList_Append(log, entry);
    Py_DECREF(entry);
    if (rc < 0 || !check || PyList_GET_SIZE(log) < cur_max_steps)
        return rc;
    PyObject *stop = glob(k_stop), *sess = glob(k_session);
    if (stop == NULL || sess == NULL)
        return 0;
    PyObject *res = PyObject_CallFunctionObjArgs(stop, sess, k_max_steps_reason,
                                                 PyTuple_GET_ITEM(st, 1), NULL);
    if (res == NULL)
        return -1;
    Py_DECREF(res);
    return 0;
}

static inline PyObject *
twin(PyObject *fn, PyObject *const *args, Py_ssize_t nargs)
{
    return PyObject_Vectorcall(fn, args, nargs, NULL);
}

/* The slow path of a step whose may_mutate is not a tuple: ``_record`` itself,
 * without the twin's frame in between (only ``_rebound``, for tuples, counts
 * frames). ``vals`` and ``payload`` are borrowed; ``vals`` NULL means (). */
static PyObject *
record(FrameObject *fr, PyObject *st, PyObject *vals, PyObject *payload, PyObject *ret)
{
    PyObject *fn = glob(k_record);
    if (fn == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "pytrace_sem: _record is missing");
        return NULL;
    }
    PyObject *empty = NULL;
    if (vals == NULL) {
        vals = empty = PyTuple_New(0);
        if (vals == NULL)
            return NULL;
    }
    PyObject *args[4] = {(PyObject *)fr, st, vals, payload};
    PyObject *res = PyObject_Vectorcall(fn, args, 4, NULL);
    Py_XDECREF(empty);
    if (res == NULL)
        return NULL;
    Py_DECREF(res);
    return Py_NewRef(ret);
}

/* -- the recorder's functions --------------------------------------------- */

static PyObject *
sp_s1(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !valid_st(args[0]))
        return twin(py_s1, args, nargs);
    FrameObject *fr = NULL;
    int rec = recording_frame(&fr);
    if (rec <= 0) {
        if (rec < 0)
            return twin(py_s1, args, nargs);
        Py_RETURN_NONE;
    }
    PyObject *st = args[0], *value = args[1];
    int m = may_mutate(st);
    if (m < 0)
        return twin(py_s1, args, nargs);
    if (!is_atom(value))
        goto slow;
    if (PyDict_GET_SIZE(fr->muts) != 0) {
        PyObject *names = PyTuple_GET_ITEM(st, 2);
        if (!(m == 0 || m == MUT_AUG) || !falsy(fr->objs) || PyTuple_GET_SIZE(names) < 1)
            goto slow;
        int in = PyDict_Contains(fr->muts, PyTuple_GET_ITEM(names, 0));
        if (in != 0) {
            if (in < 0)
                PyErr_Clear();
            goto slow;
        }
    }
    if (append(PyTuple_Pack(3, fr->serial, st, value), st, 1) < 0)
        return NULL;
    Py_RETURN_NONE;
slow:;
    PyObject *vals = PyTuple_Pack(1, value);
    if (vals == NULL)
        return NULL;
    PyObject *res = record(fr, st, vals, Py_None, Py_None);
    Py_DECREF(vals);
    return res;
}

static PyObject *
sp_s(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || !valid_st(args[0]))
        return twin(py_s, args, nargs);
    FrameObject *fr = NULL;
    int rec = recording_frame(&fr);
    if (rec <= 0) {
        if (rec < 0)
            return twin(py_s, args, nargs);
        Py_RETURN_NONE;
    }
    PyObject *st = args[0];
    int m = may_mutate(st);
    if (m < 0)
        return twin(py_s, args, nargs);
    int fast = 1;
    if (PyDict_GET_SIZE(fr->muts) != 0) {
        if (m != 0 || !falsy(fr->objs))
            fast = 0;
        PyObject *names = PyTuple_GET_ITEM(st, 2);
        for (Py_ssize_t i = 0; fast && i < PyTuple_GET_SIZE(names); i++) {
            int in = PyDict_Contains(fr->muts, PyTuple_GET_ITEM(names, i));
            if (in != 0) {
                if (in < 0)
                    PyErr_Clear();
                fast = 0;
            }
        }
    }
    for (Py_ssize_t i = 1; fast && i < nargs; i++) {
        if (!is_atom(args[i]))
            fast = 0;
    }
    PyObject *vals = PyTuple_New(nargs - 1);
    if (vals == NULL)
        return NULL;
    for (Py_ssize_t i = 1; i < nargs; i++) {
        Py_INCREF(args[i]);
        PyTuple_SET_ITEM(vals, i - 1, args[i]);
    }
    if (!fast) {
        PyObject *res = record(fr, st, vals, Py_None, Py_None);
        Py_DECREF(vals);
        return res;
    }
    untrack(vals);
    PyObject *entry = PyTuple_Pack(5, fr->serial, st, vals, Py_None, Py_None);
    Py_DECREF(vals);
    if (append(entry, st, 1) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
sp_b(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !valid_st(args[0]))
        return twin(py_b, args, nargs);
    int t = PyObject_IsTrue(args[1]);   /* the test, evaluated exactly once */
    if (t < 0)
        return NULL;
    PyObject *outcome = t ? Py_True : Py_False;
    FrameObject *fr = NULL;
    int rec = recording_frame(&fr);
    if (rec == 0)
        return Py_NewRef(outcome);
    PyObject *st = args[0];
    int m = may_mutate(st);
    if (rec < 0 || m < 0) {
        /* The twin gets the outcome, not the test: its truth is not asked again. */
        PyObject *targs[2] = {st, outcome};
        return twin(py_b, targs, 2);
    }
    if (PyDict_GET_SIZE(fr->muts) != 0 && (m != 0 || !falsy(fr->objs)))
        return record(fr, st, NULL, outcome, outcome);
    if (append(PyTuple_Pack(3, fr->serial, st, outcome), st, 1) < 0)
        return NULL;
    return Py_NewRef(outcome);
}

static PyObject *
sp_r(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !valid_st(args[0]))
        return twin(py_r, args, nargs);
    PyObject *st = args[0], *value = args[1];
    FrameObject *fr = NULL;
    int rec = recording_frame(&fr);
    if (rec == 0) {
        PyObject *sess = glob(k_session);
        if (sess == NULL || sess == Py_None)
            return Py_NewRef(value);
        return twin(py_r, args, nargs);   /* the root's outcome after a stop */
    }
    int m = may_mutate(st);
    if (rec < 0 || m < 0)
        return twin(py_r, args, nargs);
    if (!is_atom(value) || (PyDict_GET_SIZE(fr->muts) != 0 && (m != 0 || !falsy(fr->objs)))) {
        PyObject *snap = glob(k_snap);
        if (snap == NULL) {
            PyErr_SetString(PyExc_RuntimeError, "pytrace_sem: snap is missing");
            return NULL;
        }
        PyObject *sn = PyObject_Vectorcall(snap, &value, 1, NULL);
        if (sn == NULL)
            return NULL;
        PyObject *res = record(fr, st, NULL, sn, value);
        Py_DECREF(sn);
        return res;
    }
    if (append(PyTuple_Pack(3, fr->serial, st, value), st, 0) < 0)
        return NULL;
    return Py_NewRef(value);
}

static PyObject *
sp_k(PyObject *module, PyObject *key)
{
    if (!same_thread())
        return Py_NewRef(key);
    PyObject *top = glob(k_top);
    if (top == NULL)
        top = Py_None;
    PyObject *pending = glob(k_key);
    PyObject *fresh = NULL;
    if (pending == NULL || pending == Py_None || !PyTuple_CheckExact(pending) ||
            PyTuple_GET_SIZE(pending) != 2 || PyTuple_GET_ITEM(pending, 0) != top) {
        PyObject *keys = PyList_New(1);
        if (keys == NULL)
            return NULL;
        Py_INCREF(key);
        PyList_SET_ITEM(keys, 0, key);
        fresh = PyTuple_Pack(2, top, keys);
        Py_DECREF(keys);
    }
    else {
        PyObject *keys = PyTuple_GET_ITEM(pending, 1);
        if (keys != Py_None) {
            if (!PyList_CheckExact(keys))
                return Py_NewRef(key);
            if (PyList_GET_SIZE(keys) < MAX_KEYS) {
                if (PyList_Append(keys, key) < 0)
                    return NULL;
            }
            else {
                fresh = PyTuple_Pack(2, top, Py_None);  /* too many to patch */
            }
        }
        if (fresh == NULL)
            return Py_NewRef(key);
    }
    if (fresh == NULL)
        return NULL;
    int rc = PyDict_SetItem(G, k_key, fresh);
    Py_DECREF(fresh);
    if (rc < 0)
        return NULL;
    return Py_NewRef(key);
}


/* A call: the fast path of _runtime.e (a call made while a frame records,
 * every call kept). */
static PyObject *
sp_e(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *top = glob(k_top), *sess = glob(k_session), *busy = glob(k_busy);
    if (nargs < 1 || top == NULL || top == Py_None || sess == NULL || sess == Py_None ||
            busy == NULL || !falsy(busy) || !same_thread())
        return twin(py_e, args, nargs);
    PyObject *keep = PyObject_GetAttr(sess, a_keep);
    if (keep == NULL)
        return NULL;
    Py_DECREF(keep);
    if (keep != Py_None)
        return twin(py_e, args, nargs);
    PyObject *info = args[0];
    if (!PyTuple_CheckExact(info) || PyTuple_GET_SIZE(info) < 3)
        return twin(py_e, args, nargs);
    PyObject *stack = NULL, *frames = NULL, *serial = NULL, *depth = NULL, *fr = NULL;
    PyObject *st, *vals = NULL, *res = NULL;
    stack = PyObject_GetAttr(sess, a_stack);
    frames = stack ? PyObject_GetAttr(sess, a_frames) : NULL;
    if (frames == NULL)
        goto done;
    if (!PyList_CheckExact(stack) || !PyList_CheckExact(frames)) {
        res = twin(py_e, args, nargs);
        goto done;
    }
    PyObject *old = PyObject_GetAttr(sess, a_serial);
    if (old == NULL)
        goto done;
    serial = PyNumber_Add(old, one);
    Py_DECREF(old);
    if (serial == NULL || PyObject_SetAttr(sess, a_serial, serial) < 0)
        goto done;
    depth = PyLong_FromSsize_t(PyList_GET_SIZE(stack));
    if (depth == NULL)
        goto done;
    fr = frame_make(info, depth, serial);
    if (fr == NULL || PyList_Append(frames, fr) < 0 || PyList_Append(stack, fr) < 0 ||
            PyDict_SetItem(G, k_top, fr) < 0)
        goto done;
    PyObject *cache = glob(k_call_st);
    if (cache == NULL || !PyDict_CheckExact(cache)) {
        PyErr_SetString(PyExc_RuntimeError, "pytrace_sem: _call_st is missing");
        goto done;
    }
    st = PyDict_GetItemWithError(cache, info);
    if (st == NULL) {
        if (PyErr_Occurred())
            goto done;
        st = PyTuple_Pack(4, k_call_kind, PyTuple_GET_ITEM(info, 1), PyTuple_GET_ITEM(info, 2), zero);
        if (st == NULL)
            goto done;
        int rc = PyDict_SetItem(cache, info, st);
        Py_DECREF(st);   /* the cache holds it */
        if (rc < 0)
            goto done;
    }
    vals = PyTuple_New(nargs - 1);
    if (vals == NULL)
        goto done;
    int atoms_only = 1;
    for (Py_ssize_t i = 1; i < nargs; i++) {
        Py_INCREF(args[i]);
        PyTuple_SET_ITEM(vals, i - 1, args[i]);
        if (atoms_only && !is_atom(args[i]))
            atoms_only = 0;
    }
    if (!atoms_only) {
        PyObject *record = glob(k_record);
        if (record == NULL) {
            PyErr_SetString(PyExc_RuntimeError, "pytrace_sem: _record is missing");
            goto done;
        }
        PyObject *rargs[4] = {fr, st, vals, Py_None};
        res = PyObject_Vectorcall(record, rargs, 4, NULL);
        goto done;
    }
    untrack(vals);
    if (append(PyTuple_Pack(5, serial, st, nargs > 1 ? vals : Py_None, Py_None, Py_None), st, 1) < 0)
        goto done;
    res = Py_NewRef(Py_None);
done:
    Py_XDECREF(stack);
    Py_XDECREF(frames);
    Py_XDECREF(serial);
    Py_XDECREF(depth);
    Py_XDECREF(fr);
    Py_XDECREF(vals);
    return res;
}

/* A function is leaving: the fast path of _runtime.l (the recording frame
 * leaves, tracks nothing, and is not the last on the stack). */
static PyObject *
sp_l(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    PyObject *top = glob(k_top), *sess = glob(k_session), *busy = glob(k_busy);
    if (nargs != 0 || top == NULL || top == Py_None || Py_TYPE(top) != &FrameType ||
            sess == NULL || sess == Py_None || busy == NULL || !falsy(busy) || !same_thread())
        return twin(py_l, args, nargs);
    FrameObject *fr = (FrameObject *)top;
    if (fr->muts == NULL || !PyDict_CheckExact(fr->muts) || PyDict_GET_SIZE(fr->muts) != 0)
        return twin(py_l, args, nargs);
    PyObject *stack = PyObject_GetAttr(sess, a_stack);
    if (stack == NULL)
        return NULL;
    Py_ssize_t n = PyList_CheckExact(stack) ? PyList_GET_SIZE(stack) : 0;
    if (n < 2 || PyList_GET_ITEM(stack, n - 1) != top) {
        Py_DECREF(stack);
        return twin(py_l, args, nargs);
    }
    PyObject *recording = PyObject_GetAttr(sess, a_recording);
    if (recording == NULL) {
        Py_DECREF(stack);
        return NULL;
    }
    int rec = PyObject_IsTrue(recording);
    Py_DECREF(recording);
    if (rec < 0) {
        Py_DECREF(stack);
        return NULL;
    }
    /* _top is the stack's last frame; it keeps a reference of its own. */
    if (rec && PyDict_SetItem(G, k_top, PyList_GET_ITEM(stack, n - 2)) < 0) {
        Py_DECREF(stack);
        return NULL;
    }
    int rc = PyList_SetSlice(stack, n - 1, n, NULL);
    Py_DECREF(stack);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* -- helpers for snapshots of long containers ------------------------------ */

static PyObject *
sp_same_ids(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "same_ids(a, b)");
        return NULL;
    }
    PyObject *a = args[0], *b = args[1];
    if (PyDict_CheckExact(a) && PyDict_CheckExact(b)) {
        Py_ssize_t i = 0, j = 0;
        PyObject *ka, *va, *kb, *vb;
        while (PyDict_Next(a, &i, &ka, &va)) {
            if (!PyDict_Next(b, &j, &kb, &vb))
                break;
            if (ka != kb || va != vb)
                Py_RETURN_FALSE;
        }
        Py_RETURN_TRUE;
    }
    if ((PyList_CheckExact(a) || PyTuple_CheckExact(a)) && (PyList_CheckExact(b) || PyTuple_CheckExact(b))) {
        PyObject **ia = PySequence_Fast_ITEMS(a), **ib = PySequence_Fast_ITEMS(b);
        Py_ssize_t n = PySequence_Fast_GET_SIZE(a), nb = PySequence_Fast_GET_SIZE(b);
        if (nb < n)
            n = nb;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (ia[i] != ib[i])
                Py_RETURN_FALSE;
        }
        Py_RETURN_TRUE;
    }
    PyErr_SetString(PyExc_TypeError, "same_ids: two lists or tuples, or two dicts");
    return NULL;
}

/* -- binding --------------------------------------------------------------- */

static PyObject *
sp_bind(PyObject *module, PyObject *args)
{
    PyObject *g, *fs, *fs1, *fb, *fr, *fe, *fl;
    if (!PyArg_ParseTuple(args, "O!OOOOOO:bind", &PyDict_Type, &g, &fs, &fs1, &fb, &fr, &fe, &fl))
        return NULL;
    PyObject *kind = PyDict_GetItemString(g, "K_CALL");
    if (kind == NULL) {
        PyErr_SetString(PyExc_TypeError, "bind: K_CALL missing");
        return NULL;
    }
    Py_INCREF(kind);
    Py_XSETREF(k_call_kind, kind);
    Py_INCREF(fe);
    Py_XSETREF(py_e, fe);
    Py_INCREF(fl);
    Py_XSETREF(py_l, fl);
    PyObject *a = PyDict_GetItemString(g, "_ATOMS_FROZEN");
    if (a == NULL || !PyFrozenSet_CheckExact(a)) {
        PyErr_SetString(PyExc_TypeError, "bind: _ATOMS_FROZEN missing");
        return NULL;
    }
    Py_INCREF(g);
    Py_XSETREF(G, g);
    Py_INCREF(a);
    Py_XSETREF(atoms, a);
    Py_INCREF(fs);
    Py_XSETREF(py_s, fs);
    Py_INCREF(fs1);
    Py_XSETREF(py_s1, fs1);
    Py_INCREF(fb);
    Py_XSETREF(py_b, fb);
    Py_INCREF(fr);
    Py_XSETREF(py_r, fr);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"bind", sp_bind, METH_VARARGS, "bind(globals, s, s1, b, r): share _runtime's state and slow paths."},
    {"s", (PyCFunction)(void (*)(void))sp_s, METH_FASTCALL, "A statement ran (see _runtime.s)."},
    {"s1", (PyCFunction)(void (*)(void))sp_s1, METH_FASTCALL, "A statement bound one name (see _runtime.s1)."},
    {"b", (PyCFunction)(void (*)(void))sp_b, METH_FASTCALL, "A branch condition (see _runtime.b)."},
    {"r", (PyCFunction)(void (*)(void))sp_r, METH_FASTCALL, "A return (see _runtime.r)."},
    {"session", (PyCFunction)(void (*)(void))sp_session, METH_FASTCALL,
     "session(log, max_steps, thread): the values of _log, _max_steps and _thread, after each change."},
    {"e", (PyCFunction)(void (*)(void))sp_e, METH_FASTCALL, "A call (see _runtime.e)."},
    {"l", (PyCFunction)(void (*)(void))sp_l, METH_FASTCALL, "A function is leaving (see _runtime.l)."},
    {"k", sp_k, METH_O, "An item store's key (see _runtime.k)."},
    {"same_ids", (PyCFunction)(void (*)(void))sp_same_ids, METH_FASTCALL,
     "Whether two lists/tuples hold the same objects position by position (up to the shorter),"
     " or two dicts the same keys and values in the same order."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moduledef = {
    PyModuleDef_HEAD_INIT, "_speedups", "The recorder's hot paths in C (optional).", -1, methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&FrameType) < 0)
        return NULL;
    k_top = PyUnicode_InternFromString("_top");
    k_thread = PyUnicode_InternFromString("_thread");
    k_log = PyUnicode_InternFromString("_log");
    k_max_steps = PyUnicode_InternFromString("_max_steps");
    k_key = PyUnicode_InternFromString("_key");
    k_session = PyUnicode_InternFromString("_session");
    k_stop = PyUnicode_InternFromString("_stop");
    k_max_steps_reason = PyUnicode_InternFromString("max_steps");
    k_busy = PyUnicode_InternFromString("_busy");
    k_call_st = PyUnicode_InternFromString("_call_st");
    k_record = PyUnicode_InternFromString("_record");
    k_leave = PyUnicode_InternFromString("_leave");
    k_snap = PyUnicode_InternFromString("snap");
    a_keep = PyUnicode_InternFromString("keep");
    a_stack = PyUnicode_InternFromString("stack");
    a_serial = PyUnicode_InternFromString("serial");
    a_frames = PyUnicode_InternFromString("frames");
    a_recording = PyUnicode_InternFromString("recording");
    zero = PyLong_FromLong(0);
    one = PyLong_FromLong(1);
    if (!k_busy || !k_call_st || !k_record || !k_leave || !k_snap || !a_keep || !a_stack || !a_serial ||
            !a_frames || !a_recording || !zero || !one)
        return NULL;
    if (!k_top || !k_thread || !k_log || !k_max_steps || !k_key || !k_session || !k_stop || !k_max_steps_reason)
        return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    Py_INCREF(&FrameType);
    if (PyModule_AddObject(m, "Frame", (PyObject *)&FrameType) < 0) {
        Py_DECREF(&FrameType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
