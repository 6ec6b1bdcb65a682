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

/* Container snapshots: the layout of _runtime._Seq and _Map (defined below).
 * A Seq that the recorder makes of a short list keeps its items in the object
 * itself (``inl``, Py_SIZE of them) and ``b`` NULL: one allocation, not two.
 * Its ``items`` tuple is made (and kept) on first use. */
typedef struct {
    PyObject_VAR_HEAD
    PyObject *a;       /* Seq: kind; Map: keys */
    PyObject *b;       /* Seq: items (NULL while they are inline); Map: values */
    PyObject *length, *flat, *cut, *fp, *full;
    PyObject *inl[1];  /* Seq only: the inline items */
} SnapObject;

#define SNAP_BASICSIZE offsetof(SnapObject, inl)

static PyTypeObject SeqType, MapType;

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
    /* Tracked by the cyclic GC: a tracked value can close a cycle through it
     * (an exception in ``muts`` -> its traceback -> the caller's frame -> the
     * session -> this record). */
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static PyObject *
frame_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *info, *depth, *serial;
    static char *kwlist[] = {"info", "depth", "serial", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO:Frame", kwlist, &info, &depth, &serial))
        return NULL;
    return frame_make(info, depth, serial);
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


/* -- the step log ----------------------------------------------------------- */

/* The session's log, as the entries _runtime appends to a list: (serial, st,
 * x) or (serial, st, snaps, extra, payload). Entries are stored as five
 * pointers each (the last two NULL for a three-item entry), not as tuples:
 * appending one costs no allocation. Reading an entry builds its tuple.
 *
 * Almost everything a log holds is out of the cyclic GC's reach: ints, strs,
 * the rewriter's constant tuples, snapshots of atoms (untracked on creation).
 * A collection that visited every entry would cost time in proportion to the
 * steps recorded so far, at every collection while and after recording. So
 * the log also keeps (borrowed, in ``gc``) the items that may take part in a
 * cycle, and its traverse visits those only. An item may take part in a cycle
 * when the GC tracks it, or when it is a dict (which starts being tracked once
 * a tracked value is put in it). The untracked exact tuples, Seqs and Maps the
 * recorder logs are never tracked again: they cannot refer to anything that
 * could refer back. */
#define LOG_WIDTH 5

typedef struct {
    PyObject_HEAD
    PyObject **items;
    Py_ssize_t len, cap;   /* in entries */
    PyObject **gc;         /* borrowed from items: those that may be in a cycle */
    Py_ssize_t ngc, gccap;
} LogObject;

static PyTypeObject LogType;

/* One freed entry array, kept for the next log (sessions come one after
 * another): that log starts with the room the last one needed, so it is not
 * copied as it grows and its memory is not fresh. At most SPARE_MAX bytes. */
#define SPARE_MAX ((size_t)16 << 20)
static PyObject **spare_items;
static Py_ssize_t spare_cap;

/* Entry i's LOG_WIDTH pointers. */
static inline PyObject **
log_slot(LogObject *lg, Py_ssize_t i)
{
    return lg->items + i * LOG_WIDTH;
}

/* Double the room of ``*array`` (``*cap`` units of ``width`` pointers; at
 * least 64 units). 0, or -1 with MemoryError set (the array unchanged). */
static int
grow_pointers(PyObject ***array, Py_ssize_t *cap, size_t width)
{
    Py_ssize_t n = *cap < 64 ? 64 : *cap * 2;
    if ((size_t)n > PY_SSIZE_T_MAX / (width * sizeof(PyObject *))) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject **grown = PyMem_Realloc(*array, (size_t)n * width * sizeof(PyObject *));
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *array = grown;
    *cap = n;
    return 0;
}

static int
log_reserve(LogObject *lg)
{
    if (lg->len < lg->cap)
        return 0;
    if (lg->items == NULL && spare_items != NULL) {
        lg->items = spare_items;
        lg->cap = spare_cap;
        spare_items = NULL;
        spare_cap = 0;
        return 0;
    }
    return grow_pointers(&lg->items, &lg->cap, LOG_WIDTH);
}

/* Note ``v`` in the log's list of items the GC visits. */
static int
log_note_gc(LogObject *lg, PyObject *v)
{
    if (lg->ngc == lg->gccap && grow_pointers(&lg->gc, &lg->gccap, 1) < 0)
        return -1;
    lg->gc[lg->ngc++] = v;
    return 0;
}

/* log_note_gc for ``v`` (or NULL) if it may take part in a cycle. */
static inline int
log_note_if_gc(LogObject *lg, PyObject *v)
{
    if (v == NULL)
        return 0;
    PyTypeObject *t = Py_TYPE(v);
    if (!PyType_HasFeature(t, Py_TPFLAGS_HAVE_GC) || (t->tp_is_gc != NULL && !t->tp_is_gc(v)))
        return 0;   /* an int, str, float, None ...: the GC never sees it */
    if (!PyObject_GC_IsTracked(v) && !PyDict_Check(v))
        return 0;
    return log_note_gc(lg, v);
}

/* Append an entry of 3 (d and e NULL) or 5 items, borrowed; the GC is told of
 * those from index ``from`` on that may be in a cycle. */
static int
log_push_from(LogObject *lg, int from, PyObject *a, PyObject *b, PyObject *c, PyObject *d, PyObject *e)
{
    if (lg->len == lg->cap && log_reserve(lg) < 0)
        return -1;
    Py_ssize_t ngc = lg->ngc;
    if ((from == 0 && (log_note_if_gc(lg, a) < 0 || log_note_if_gc(lg, b) < 0)) ||
            log_note_if_gc(lg, c) < 0 || log_note_if_gc(lg, d) < 0 || log_note_if_gc(lg, e) < 0) {
        lg->ngc = ngc;   /* nothing of a failed entry is kept */
        return -1;
    }
    PyObject **slot = log_slot(lg, lg->len);
    slot[0] = Py_NewRef(a);
    slot[1] = Py_NewRef(b);
    slot[2] = Py_NewRef(c);
    slot[3] = Py_XNewRef(d);
    slot[4] = Py_XNewRef(e);
    lg->len++;
    return 0;
}

/* The recorder's append: a is the frame's serial (an int) and b the rewriter's
 * constant (ints and strs in tuples), so only the others can refer to anything
 * that could refer back. */
static inline int
log_push(LogObject *lg, PyObject *a, PyObject *b, PyObject *c, PyObject *d, PyObject *e)
{
    return log_push_from(lg, 2, a, b, c, d, e);
}

static PyObject *
log_entry(LogObject *lg, Py_ssize_t i)
{
    PyObject **slot = log_slot(lg, i);
    if (slot[3] == NULL)
        return PyTuple_Pack(3, slot[0], slot[1], slot[2]);
    return PyTuple_Pack(5, slot[0], slot[1], slot[2], slot[3], slot[4]);
}

static PyObject *
log_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if ((kwds != NULL && PyDict_GET_SIZE(kwds) != 0) || PyTuple_GET_SIZE(args) != 0) {
        PyErr_SetString(PyExc_TypeError, "Log() takes no arguments");
        return NULL;
    }
    return type->tp_alloc(type, 0);
}

static int
log_traverse(LogObject *lg, visitproc visit, void *arg)
{
    for (Py_ssize_t i = 0; i < lg->ngc; i++)
        Py_VISIT(lg->gc[i]);
    return 0;
}

static int
log_clear(LogObject *lg)
{
    PyObject **items = lg->items;
    Py_ssize_t n = lg->len * LOG_WIDTH, cap = lg->cap;
    lg->items = NULL;
    lg->len = lg->cap = 0;
    PyMem_Free(lg->gc);
    lg->gc = NULL;
    lg->ngc = lg->gccap = 0;
    for (Py_ssize_t i = 0; i < n; i++)
        Py_XDECREF(items[i]);
    if (items != NULL && cap > spare_cap && (size_t)cap <= SPARE_MAX / (LOG_WIDTH * sizeof(PyObject *))) {
        PyMem_Free(spare_items);
        spare_items = items;
        spare_cap = cap;
    }
    else
        PyMem_Free(items);
    return 0;
}

static void
log_dealloc(LogObject *lg)
{
    PyObject_GC_UnTrack(lg);
    log_clear(lg);
    Py_TYPE(lg)->tp_free((PyObject *)lg);
}

static Py_ssize_t
log_length(LogObject *lg)
{
    return lg->len;
}

static PyObject *
log_item(LogObject *lg, Py_ssize_t i)
{
    if (i < 0 || i >= lg->len) {
        PyErr_SetString(PyExc_IndexError, "log index out of range");
        return NULL;
    }
    return log_entry(lg, i);
}

static PyObject *
log_subscript(LogObject *lg, PyObject *key)
{
    if (PyIndex_Check(key)) {
        Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);
        if (i == -1 && PyErr_Occurred())
            return NULL;
        return log_item(lg, i < 0 ? i + lg->len : i);
    }
    if (!PySlice_Check(key)) {
        PyErr_Format(PyExc_TypeError, "log indices must be integers or slices, not %.200s",
                     Py_TYPE(key)->tp_name);
        return NULL;
    }
    Py_ssize_t start, stop, step;
    if (PySlice_Unpack(key, &start, &stop, &step) < 0)
        return NULL;
    Py_ssize_t n = PySlice_AdjustIndices(lg->len, &start, &stop, step);
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t j = 0, i = start; j < n; j++, i += step) {
        PyObject *entry = log_entry(lg, i);
        if (entry == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, j, entry);
    }
    return out;
}

static PyObject *
log_append(LogObject *lg, PyObject *entry)
{
    if (!PyTuple_CheckExact(entry) || (PyTuple_GET_SIZE(entry) != 3 && PyTuple_GET_SIZE(entry) != 5)) {
        PyErr_SetString(PyExc_TypeError, "a log entry is a tuple of 3 or 5 items");
        return NULL;
    }
    PyObject **it = ((PyTupleObject *)entry)->ob_item;
    int five = PyTuple_GET_SIZE(entry) == 5;
    if (log_push_from(lg, 0, it[0], it[1], it[2], five ? it[3] : NULL, five ? it[4] : NULL) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
log_repr(LogObject *lg)
{
    return PyUnicode_FromFormat("<pytrace_sem step log, %zd entries>", lg->len);
}

static PyMethodDef log_methods[] = {
    {"append", (PyCFunction)log_append, METH_O, "Append an entry: (serial, st, x) or (serial, st, snaps, extra, payload)."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods log_as_sequence = {
    .sq_length = (lenfunc)log_length,
    .sq_item = (ssizeargfunc)log_item,
};

static PyMappingMethods log_as_mapping = {
    .mp_length = (lenfunc)log_length,
    .mp_subscript = (binaryfunc)log_subscript,
};

static PyTypeObject LogType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pytrace_sem._speedups.Log",
    .tp_doc = "A session's step log: a sequence of entry tuples, stored without the tuples.",
    .tp_basicsize = sizeof(LogObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = log_new,
    .tp_traverse = (traverseproc)log_traverse,
    .tp_clear = (inquiry)log_clear,
    .tp_dealloc = (destructor)log_dealloc,
    .tp_repr = (reprfunc)log_repr,
    .tp_methods = log_methods,
    .tp_as_sequence = &log_as_sequence,
    .tp_as_mapping = &log_as_mapping,
};

/* -- building instances of a slotted class ----------------------------------- */

/* SlotMaker(cls, names)(*values): a new ``cls`` whose slots ``names`` hold
 * ``values``, filled in directly, without calling ``cls.__init__``. The trace
 * builder makes every Step so (a frozen dataclass whose __init__ goes through
 * object.__setattr__ for each field); the object is the same as __init__'s.
 * When no value is tracked by the cyclic GC, neither is the new object (a long
 * trace's steps would otherwise be scanned at every collection): it cannot be
 * part of a cycle, and stays out of one unless its slots are reassigned or a
 * dict it holds is made to refer back to it. */
#define MAKER_MAX 16

typedef struct {
    PyObject_HEAD
    PyTypeObject *cls;
    Py_ssize_t n;
    Py_ssize_t offsets[MAKER_MAX];
    vectorcallfunc vectorcall;
} MakerObject;

static Py_ssize_t slot_offset(PyTypeObject *type, const char *name);

static PyObject *
maker_call(MakerObject *mk, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (nargs != mk->n || (kwnames != NULL && PyTuple_GET_SIZE(kwnames) != 0)) {
        PyErr_Format(PyExc_TypeError, "%.200s maker takes %zd positional arguments (%zd given)",
                     mk->cls->tp_name, mk->n, nargs);
        return NULL;
    }
    PyObject *obj = mk->cls->tp_alloc(mk->cls, 0);
    if (obj == NULL)
        return NULL;
    int untracked = 1;
    for (Py_ssize_t i = 0; i < nargs; i++) {
        PyObject **slot = (PyObject **)((char *)obj + mk->offsets[i]);
        Py_XSETREF(*slot, Py_NewRef(args[i]));
        if (untracked && PyObject_IS_GC(args[i]) && PyObject_GC_IsTracked(args[i]))
            untracked = 0;
    }
    if (untracked && PyObject_GC_IsTracked(obj))
        PyObject_GC_UnTrack(obj);
    return obj;
}

static PyObject *
maker_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *cls, *names;
    if ((kwds != NULL && PyDict_GET_SIZE(kwds) != 0) ||
            !PyArg_ParseTuple(args, "O!O!:SlotMaker", &PyType_Type, &cls, &PyTuple_Type, &names))
        return NULL;
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    if (n > MAKER_MAX) {
        PyErr_SetString(PyExc_ValueError, "SlotMaker: too many slots");
        return NULL;
    }
    PyTypeObject *t = (PyTypeObject *)cls;
    if (t->tp_alloc == NULL || !(t->tp_flags & Py_TPFLAGS_HEAPTYPE)) {
        PyErr_SetString(PyExc_TypeError, "SlotMaker: a class defined in Python is expected");
        return NULL;
    }
    MakerObject *mk = (MakerObject *)type->tp_alloc(type, 0);
    if (mk == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *name = PyTuple_GET_ITEM(names, i);
        const char *text = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;
        Py_ssize_t off = text ? slot_offset(t, text) : -1;
        if (off < 0) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "SlotMaker: slot names are strings");
            Py_DECREF(mk);
            return NULL;
        }
        mk->offsets[i] = off;
    }
    mk->n = n;
    mk->cls = (PyTypeObject *)Py_NewRef(cls);
    mk->vectorcall = (vectorcallfunc)maker_call;
    return (PyObject *)mk;
}

static void
maker_dealloc(MakerObject *mk)
{
    Py_XDECREF(mk->cls);
    Py_TYPE(mk)->tp_free((PyObject *)mk);
}

static PyTypeObject MakerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pytrace_sem._speedups.SlotMaker",
    .tp_doc = "SlotMaker(cls, names)(*values): a new cls with these slots filled in, __init__ not called.",
    .tp_basicsize = sizeof(MakerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = maker_new,
    .tp_dealloc = (destructor)maker_dealloc,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(MakerObject, vectorcall),
};

/* -- the trace builder's common steps ------------------------------------------ */

static PyObject *s_repr, *s_type, *s_int, *empty_tuple;   /* "repr", "type", "int", () */

/* Entry ``i`` of a Log or of a list of entry tuples: its items (borrowed) and
 * how many there are (3 or 5); 0 when it is neither. */
static inline int
entry_items(PyObject *log, Py_ssize_t i, PyObject ***items)
{
    if (Py_TYPE(log) == &LogType) {
        PyObject **slot = log_slot((LogObject *)log, i);
        *items = slot;
        return slot[3] == NULL ? 3 : 5;
    }
    PyObject *t = PyList_GET_ITEM(log, i);
    if (!PyTuple_CheckExact(t) || (PyTuple_GET_SIZE(t) != 3 && PyTuple_GET_SIZE(t) != 5))
        return 0;
    *items = ((PyTupleObject *)t)->ob_item;
    return (int)PyTuple_GET_SIZE(t);
}

/* The encoding of an int, str, bool or None from the builder's cache ``atoms``
 * (keyed by (type, value)), made by ``atom(v, type)`` and cached when missing,
 * as the Python loop does; borrowed. NULL (no error) for other types; -1 on
 * error. */
static int
cached_atom(PyObject *atoms, PyObject *atom, PyObject *v, PyObject **out)
{
    PyTypeObject *t = Py_TYPE(v);
    *out = NULL;
    if (!(t == &PyLong_Type || t == &PyUnicode_Type || t == &PyBool_Type || v == Py_None))
        return 0;
    PyObject *key = PyTuple_Pack(2, (PyObject *)t, v);
    if (key == NULL)
        return -1;
    PyObject *got = PyDict_GetItemWithError(atoms, key);
    if (got == NULL) {
        if (PyErr_Occurred()) {
            Py_DECREF(key);
            return -1;
        }
        PyObject *made = NULL;
        int overflow = 0;
        if (t == &PyLong_Type) {
            /* Past 64 bits atom() decides: a huge int gets its size, not a repr that
             * costs time quadratic in its length. */
            (void)PyLong_AsLongLongAndOverflow(v, &overflow);
        }
        if (t == &PyLong_Type && !overflow) {
            /* {"type": "int", "repr": repr(v)}, as _Encoder.atom makes it */
            PyObject *r = PyObject_Repr(v);
            if (r != NULL) {
                made = PyDict_New();
                if (made != NULL && (PyDict_SetItem(made, s_type, s_int) < 0 ||
                                     PyDict_SetItem(made, s_repr, r) < 0))
                    Py_CLEAR(made);
                Py_DECREF(r);
            }
            else if (PyErr_ExceptionMatches(PyExc_ValueError))
                PyErr_Clear();   /* too many digits: atom() says so */
            else {
                Py_DECREF(key);
                return -1;
            }
        }
        if (made == NULL && !PyErr_Occurred()) {
            PyObject *args[2] = {v, (PyObject *)t};
            made = PyObject_Vectorcall(atom, args, 2, NULL);
        }
        int rc = made == NULL ? -1 : PyDict_SetItem(atoms, key, made);
        Py_XDECREF(made);
        if (rc < 0) {
            Py_DECREF(key);
            return -1;
        }
        got = made;   /* the cache holds it */
    }
    Py_DECREF(key);
    *out = got;
    return 0;
}

/* len(value["repr"]) of an encoded value: >= 0; -1 (no error set) when it has
 * no str "repr"; -2 on error. */
static Py_ssize_t
repr_length(PyObject *value)
{
    PyObject *r = PyDict_GetItemWithError(value, s_repr);
    if (r == NULL || !PyUnicode_Check(r))
        return PyErr_Occurred() ? -2 : -1;
    return PyUnicode_GET_LENGTH(r);
}

/* build_fast(log, i, n, steps, consts, state, atoms, atom, size, max_size, make, value_tail)
 *
 * The loop of api._build_steps for the steps it handles most: a short entry
 * that binds one name to a cached atom (``lean``), or that carries a branch
 * outcome or a returned cached atom (``payload_kind``), in a frame whose scope
 * is known. It builds those steps exactly as the Python loop does, from entry
 * ``i`` on, and returns (the index of the first entry it left to Python, size).
 * It leaves an entry, changing nothing for it, whenever anything is not as
 * above or the step would go over max_size; the Python loop takes it from there. */
static PyObject *
sp_build_fast(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 12 || !(Py_TYPE(args[0]) == &LogType || PyList_CheckExact(args[0])) ||
            !PyList_CheckExact(args[3]) || !PyDict_CheckExact(args[4]) || !PyDict_CheckExact(args[5]) ||
            !PyDict_CheckExact(args[6]) || Py_TYPE(args[10]) != &MakerType) {
        PyErr_SetString(PyExc_TypeError, "build_fast: bad arguments");
        return NULL;
    }
    PyObject *log = args[0], *steps = args[3], *consts = args[4], *state = args[5], *atoms = args[6];
    PyObject *atom = args[7], *maker = args[10], *value_tail = args[11];
    Py_ssize_t i = PyLong_AsSsize_t(args[1]), n = PyLong_AsSsize_t(args[2]);
    Py_ssize_t size = PyLong_AsSsize_t(args[8]), max_size = PyLong_AsSsize_t(args[9]);
    if (PyErr_Occurred())
        return NULL;
    Py_ssize_t len = Py_TYPE(log) == &LogType ? ((LogObject *)log)->len : PyList_GET_SIZE(log);
    if (n > len)
        n = len;
    for (; i < n; i++) {
        PyObject **it;
        if (entry_items(log, i, &it) != 3)
            break;
        PyObject *serial = it[0], *st = it[1], *x = it[2];
        PyObject *id = PyLong_FromVoidPtr(st);
        if (id == NULL)
            return NULL;
        PyObject *c = PyDict_GetItemWithError(consts, id);
        Py_DECREF(id);
        if (c == NULL) {
            if (PyErr_Occurred())
                return NULL;
            break;
        }
        /* (kind, line, names, comp, force, is_del, tail, event, payload_kind, lean) */
        if (!PyTuple_CheckExact(c) || PyTuple_GET_SIZE(c) != 10 || PyTuple_GET_ITEM(c, 3) != Py_None)
            break;
        int lean = PyTuple_GET_ITEM(c, 9) == Py_True, payload_kind = PyTuple_GET_ITEM(c, 8) == Py_True;
        if (!lean && !payload_kind)
            break;
        PyObject *where = PyDict_GetItemWithError(state, serial);
        if (where == NULL) {
            if (PyErr_Occurred())
                return NULL;
            break;
        }
        if (!PyTuple_CheckExact(where) || PyTuple_GET_SIZE(where) != 3 ||
                !PyDict_CheckExact(PyTuple_GET_ITEM(where, 0)))
            break;
        PyObject *line = PyTuple_GET_ITEM(c, 1), *event = PyTuple_GET_ITEM(c, 7);
        PyObject *value;
        if (cached_atom(atoms, atom, x, &value) < 0)
            return NULL;
        PyObject *changes, *outcome = Py_None, *value_out = Py_None;
        PyObject *known = NULL, *name = NULL;   /* for a lean step */
        int report = 0;                         /* a lean step reports its name */
        Py_ssize_t add, rlen;
        if (lean) {
            if (value == NULL)
                break;
            known = PyTuple_GET_ITEM(where, 0);
            PyObject *names = PyTuple_GET_ITEM(c, 2);
            if (!PyTuple_CheckExact(names) || PyTuple_GET_SIZE(names) < 1)
                break;
            name = PyTuple_GET_ITEM(names, 0);
            PyObject *prev = PyDict_GetItemWithError(known, name);
            if (prev == NULL && PyErr_Occurred())
                return NULL;
            report = PyTuple_GET_ITEM(c, 4) == Py_True || prev == NULL;
            if (!report) {
                if (!PyTuple_CheckExact(prev) || PyTuple_GET_SIZE(prev) != 3)
                    break;
                report = PyTuple_GET_ITEM(prev, 1) != Py_None;
                if (!report && PyTuple_GET_ITEM(prev, 0) != value) {
                    int ne = PyObject_RichCompareBool(PyTuple_GET_ITEM(prev, 0), value, Py_NE);
                    if (ne < 0)
                        return NULL;
                    report = ne;
                }
            }
            if (report) {
                if ((rlen = repr_length(value)) < 0) {
                    if (rlen == -2)
                        return NULL;
                    break;
                }
                add = rlen + 100;
            }
            else
                add = 60;
        }
        else if (PyTuple_GET_ITEM(c, 6) == value_tail) {
            if (value == NULL)
                break;
            if ((rlen = repr_length(value)) < 0) {
                if (rlen == -2)
                    return NULL;
                break;
            }
            add = rlen + 40 + 60;
            value_out = value;
        }
        else {
            /* the outcome of a branch (the only other payload tail handled here) */
            PyObject *tail = PyTuple_GET_ITEM(c, 6);
            if (!PyLong_CheckExact(tail) || PyLong_AsLong(tail) != 1)
                break;
            add = 60;
            outcome = x;
        }
        /* Nothing is changed for a step that would go over max_size: Python stops there. */
        if (size + add > max_size)
            break;
        changes = PyDict_New();
        if (changes == NULL)
            return NULL;
        if (report) {
            PyObject *rec = PyTuple_Pack(3, value, Py_None, x);
            if (rec == NULL || PyDict_SetItem(known, name, rec) < 0 ||
                    PyDict_SetItem(changes, name, value) < 0) {
                Py_XDECREF(rec);
                Py_DECREF(changes);
                return NULL;
            }
            Py_DECREF(rec);
            /* {name: an untracked value}: untracked, as CPython leaves a dict
             * of untracked items (a later insertion tracks it again). */
            if (!(PyObject_IS_GC(value) && PyObject_GC_IsTracked(value)) && PyObject_GC_IsTracked(changes))
                PyObject_GC_UnTrack(changes);
        }
        PyObject *index = PyLong_FromSsize_t(PyList_GET_SIZE(steps));
        if (index == NULL) {
            Py_DECREF(changes);
            return NULL;
        }
        PyObject *margs[10] = {index, line, PyTuple_GET_ITEM(where, 1), PyTuple_GET_ITEM(where, 2), event,
                               changes, empty_tuple, outcome, value_out, Py_None};
        PyObject *step = maker_call((MakerObject *)maker, margs, 10, NULL);
        Py_DECREF(index);
        Py_DECREF(changes);
        if (step == NULL)
            return NULL;
        int rc = PyList_Append(steps, step);
        Py_DECREF(step);
        if (rc < 0)
            return NULL;
        size += add;
    }
    return Py_BuildValue("(nn)", i, size);
}

/* -- state shared with _runtime.py --------------------------------------- */

static PyObject *G;         /* _runtime's globals */
static PyObject *atoms;     /* _ATOMS_FROZEN */
static PyObject *py_s, *py_s1, *py_b, *py_r, *py_e, *py_l;   /* the Python twins */
static PyObject *k_top, *k_key, *k_session, *k_stop, *k_max_steps_reason;
static PyObject *k_busy, *k_call_st, *k_record, *k_snap;
/* _runtime.Session and where its slots live in an instance: the hot paths
 * read them directly, as its member descriptors would (see session_slot). */
static PyTypeObject *session_type, *limits_type;
static Py_ssize_t off_keep, off_stack, off_frames, off_recording, off_limits;
static Py_ssize_t off_max_items, off_max_depth;   /* of _runtime.Limits */
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

/* The functions below need ``bind`` (and ``bind_snapshots``) first: _runtime
 * calls them at import unless PYTRACE_SEM_PURE is set. */
static int
unbound(void)
{
    if (G != NULL && atoms != NULL && py_s != NULL && py_s1 != NULL && py_b != NULL &&
            py_r != NULL && py_e != NULL && py_l != NULL)
        return 0;
    PyErr_SetString(PyExc_RuntimeError,
                    "pytrace_sem._speedups is not bound to the recorder (pure Python recorder in use)");
    return 1;
}

/* A slot of ``sess``, borrowed: NULL when it is unset or ``sess`` is not
 * exactly a Session (the caller then hands the case to the Python twin). */
static inline PyObject *
session_slot(PyObject *sess, Py_ssize_t offset)
{
    if (Py_TYPE(sess) != session_type)
        return NULL;
    return *(PyObject **)((char *)sess + offset);
}

/* _runtime._session, as the last session() call passed it (a strong
 * reference; NULL when no call passed one): _runtime only assigns _session
 * where it calls session() right after. */
static PyObject *cur_session;

static inline PyObject *
current_session(void)   /* borrowed; NULL (no error set) when missing */
{
    return cur_session != NULL ? cur_session : glob(k_session);
}

static inline int
same_thread(void)
{
    return PyThread_get_thread_ident() == thread_val;
}

static PyObject *
sp_session(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if ((nargs != 3 && nargs != 4) || Py_TYPE(args[0]) != &LogType) {
        PyErr_SetString(PyExc_TypeError, "session(log: Log, max_steps, thread[, session])");
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
    Py_XSETREF(cur_session, nargs == 4 ? Py_NewRef(args[3]) : NULL);
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
    if (t == &PyList_Type || t == &PyDict_Type || t == &PyTuple_Type || t == &PySet_Type)
        return 0;   /* containers: never in _ATOMS */
    int r = PySet_Contains(atoms, (PyObject *)t);
    if (r < 0) {
        PyErr_Clear();
        return 0;
    }
    return r;
}

static inline int falsy(PyObject *v);
/* _runtime._top and _runtime._busy as _runtime last set them through
 * set_top() and set_busy(), which also store the module globals: the hot
 * paths read these copies instead of looking the globals up. Until the first
 * call (the pure Python recorder makes none) the globals are read. */
static PyObject *cur_top;          /* a strong reference; NULL: not set yet */
static Py_ssize_t cur_busy = -1;   /* -1: not set yet */

static inline PyObject *
current_top(void)   /* borrowed; NULL (no error set) when missing */
{
    return cur_top != NULL ? cur_top : glob(k_top);
}

static inline int
not_busy(void)
{
    if (cur_busy >= 0)
        return cur_busy == 0;
    PyObject *busy = glob(k_busy);
    return busy != NULL && falsy(busy);
}

static int
set_top(PyObject *fr)
{
    if (PyDict_SetItem(G, k_top, fr) < 0)
        return -1;
    Py_INCREF(fr);
    Py_XSETREF(cur_top, fr);
    return 0;
}

static PyObject *
sp_set_top(PyObject *module, PyObject *fr)
{
    if (unbound() || set_top(fr) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
sp_set_busy(PyObject *module, PyObject *n)
{
    if (unbound())
        return NULL;
    Py_ssize_t v = PyLong_AsSsize_t(n);
    if (v == -1 && PyErr_Occurred())
        return NULL;
    if (v < 0) {
        PyErr_SetString(PyExc_ValueError, "set_busy: a count >= 0");
        return NULL;
    }
    if (PyDict_SetItem(G, k_busy, n) < 0)
        return NULL;
    cur_busy = v;
    Py_RETURN_NONE;
}

/* The recording frame, if this thread records into one: 1 and *out set; 0 when
 * nothing records here; -1 when the Python twin must decide (a frame record
 * this module did not make). */
static inline int
recording_frame(FrameObject **out)
{
    PyObject *fr = current_top();
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
    if (m == zero)   /* small ints are shared: the usual constants, by identity */
        return 0;
    if (m == one)
        return 1;
    if (PyTuple_CheckExact(m))
        return -1;
    if (PyUnicode_CheckExact(m))
        return PyUnicode_GET_LENGTH(m) != 0;
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
    if (v == zero)   /* a frame's objs count, usually */
        return 1;
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

/* Append an entry of 3 items (d and e NULL) or 5, borrowed, to the log; stop
 * at max_steps when ``check``. Returns 0, or -1 with an error set. */
static int
push(PyObject *st, int check, PyObject *a, PyObject *b, PyObject *c, PyObject *d, PyObject *e)
{
    if (cur_log == NULL || Py_TYPE(cur_log) != &LogType) {
        PyErr_SetString(PyExc_RuntimeError, "pytrace_sem: the step log is missing");
        return -1;
    }
    LogObject *lg = (LogObject *)cur_log;
    if (log_push(lg, a, b, c, d, e) < 0)
        return -1;
    if (!check || lg->len < cur_max_steps)
        return 0;
    PyObject *stop = glob(k_stop), *sess = current_session();
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

static int record_flat(FrameObject *fr, PyObject *st, PyObject *vals, PyObject *payload);
static int snap_flat(PyObject *value, PyObject **out);

/* The slow path of a step whose may_mutate is not a tuple: ``_record`` itself,
 * without the twin's frame in between (only ``_rebound``, for tuples, counts
 * frames). ``vals`` and ``payload`` are borrowed; ``vals`` NULL means (). */
static PyObject *
record(FrameObject *fr, PyObject *st, PyObject *vals, PyObject *payload, PyObject *ret)
{
    int done = record_flat(fr, st, vals, payload);
    if (done != 0)
        return done < 0 ? NULL : Py_NewRef(ret);
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

static int store_into_long_list(FrameObject *fr, PyObject *st);

/* -- the recorder's functions --------------------------------------------- */

static PyObject *
hook_s1(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (unbound())
        return NULL;
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
    if (push(st, 1, fr->serial, st, value, NULL, NULL) < 0)
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
hook_s(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (unbound())
        return NULL;
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
    if (!fast && nargs == 1 && PyUnicode_CheckExact(PyTuple_GET_ITEM(st, 3))) {
        int done = store_into_long_list(fr, st);
        if (done != 0) {
            Py_DECREF(vals);
            if (done < 0)
                return NULL;
            Py_RETURN_NONE;
        }
    }
    if (!fast) {
        PyObject *res = record(fr, st, vals, Py_None, Py_None);
        Py_DECREF(vals);
        return res;
    }
    untrack(vals);
    int rc = push(st, 1, fr->serial, st, vals, Py_None, Py_None);
    Py_DECREF(vals);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
hook_b(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (unbound())
        return NULL;
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
    if (push(st, 1, fr->serial, st, outcome, NULL, NULL) < 0)
        return NULL;
    return Py_NewRef(outcome);
}

static PyObject *
hook_r(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (unbound())
        return NULL;
    if (nargs != 2 || !valid_st(args[0]))
        return twin(py_r, args, nargs);
    PyObject *st = args[0], *value = args[1];
    FrameObject *fr = NULL;
    int rec = recording_frame(&fr);
    if (rec == 0) {
        PyObject *sess = current_session();
        if (sess == NULL || sess == Py_None)
            return Py_NewRef(value);
        return twin(py_r, args, nargs);   /* the root's outcome after a stop */
    }
    int m = may_mutate(st);
    if (rec < 0 || m < 0)
        return twin(py_r, args, nargs);
    if (!is_atom(value) || (PyDict_GET_SIZE(fr->muts) != 0 && (m != 0 || !falsy(fr->objs)))) {
        PyObject *sn = NULL;
        int got = snap_flat(value, &sn);
        if (got < 0)
            return NULL;
        if (got == 0) {
            PyObject *snap = glob(k_snap);
            if (snap == NULL) {
                PyErr_SetString(PyExc_RuntimeError, "pytrace_sem: snap is missing");
                return NULL;
            }
            sn = PyObject_Vectorcall(snap, &value, 1, NULL);
            if (sn == NULL)
                return NULL;
        }
        PyObject *res = record(fr, st, NULL, sn, value);
        Py_DECREF(sn);
        return res;
    }
    if (push(st, 0, fr->serial, st, value, NULL, NULL) < 0)
        return NULL;
    return Py_NewRef(value);
}

static PyObject *
hook_k(PyObject *module, PyObject *key)
{
    if (unbound())
        return NULL;
    if (!same_thread())
        return Py_NewRef(key);
    PyObject *top = current_top();
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


#define CALL_SLOTS 256
static PyObject *call_info[CALL_SLOTS], *call_st[CALL_SLOTS];

/* A call: the fast path of _runtime.e (a call made while a frame records,
 * every call kept). */
static PyObject *
hook_e(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (unbound())
        return NULL;
    PyObject *top = current_top(), *sess = current_session();
    if (nargs < 1 || top == NULL || top == Py_None || sess == NULL || sess == Py_None ||
            !not_busy() || !same_thread())
        return twin(py_e, args, nargs);
    PyObject *keep = session_slot(sess, off_keep);
    PyObject *stack = session_slot(sess, off_stack), *frames = session_slot(sess, off_frames);
    PyObject *info = args[0];
    if (keep != Py_None || stack == NULL || !PyList_CheckExact(stack) || frames == NULL ||
            !PyList_CheckExact(frames) || !PyTuple_CheckExact(info) || PyTuple_GET_SIZE(info) < 3)
        return twin(py_e, args, nargs);
    Py_INCREF(stack);
    Py_INCREF(frames);
    PyObject *serial = NULL, *depth = NULL, *fr = NULL;
    PyObject *st, *vals = NULL, *res = NULL;
    /* A frame's serial number is its place in sess.frames, plus one. */
    serial = PyLong_FromSsize_t(PyList_GET_SIZE(frames) + 1);
    if (serial == NULL)
        goto done;
    depth = PyLong_FromSsize_t(PyList_GET_SIZE(stack));
    if (depth == NULL)
        goto done;
    fr = frame_make(info, depth, serial);
    if (fr == NULL || PyList_Append(frames, fr) < 0 || PyList_Append(stack, fr) < 0 ||
            set_top(fr) < 0)
        goto done;
    /* The call's step constant: a small cache by identity of ``info`` (a
     * constant of the instrumented code) in front of _call_st. */
    size_t slot = ((uintptr_t)info >> 4) % CALL_SLOTS;
    if (call_info[slot] == info) {
        st = call_st[slot];
        goto have_st;
    }
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
    Py_INCREF(info);   /* held, so that its address is not reused while cached */
    Py_XSETREF(call_info[slot], info);
    Py_INCREF(st);
    Py_XSETREF(call_st[slot], st);
have_st:
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
        res = record((FrameObject *)fr, st, vals, Py_None, Py_None);
        goto done;
    }
    untrack(vals);
    if (push(st, 1, serial, st, nargs > 1 ? vals : Py_None, Py_None, Py_None) < 0)
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
 * leaves, holds no shallow copy, and is not the last on the stack). */
static PyObject *
hook_l(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (unbound())
        return NULL;
    PyObject *top = current_top(), *sess = current_session();
    if (nargs != 0 || top == NULL || top == Py_None || Py_TYPE(top) != &FrameType ||
            sess == NULL || sess == Py_None || !not_busy() || !same_thread())
        return twin(py_l, args, nargs);
    FrameObject *fr = (FrameObject *)top;
    if (fr->muts == NULL || !PyDict_CheckExact(fr->muts))
        return twin(py_l, args, nargs);
    /* Nothing to release: no tracked snapshot holds a shallow copy (see _release). */
    Py_ssize_t pos = 0;
    PyObject *name, *ent;
    while (PyDict_Next(fr->muts, &pos, &name, &ent)) {
        if (!PyTuple_CheckExact(ent) || PyTuple_GET_SIZE(ent) != 2)
            return twin(py_l, args, nargs);
        PyObject *o = PyTuple_GET_ITEM(ent, 1);
        if ((Py_TYPE(o) == &SeqType || Py_TYPE(o) == &MapType) && ((SnapObject *)o)->full != Py_None)
            return twin(py_l, args, nargs);
    }
    PyObject *stack = session_slot(sess, off_stack), *recording = session_slot(sess, off_recording);
    if (stack == NULL || !PyList_CheckExact(stack) || recording == NULL ||
            (recording != Py_True && recording != Py_False))
        return twin(py_l, args, nargs);
    Py_ssize_t n = PyList_GET_SIZE(stack);
    if (n < 2 || PyList_GET_ITEM(stack, n - 1) != top)
        return twin(py_l, args, nargs);
    Py_INCREF(stack);
    int rec = recording == Py_True;
    /* _top is the stack's last frame; it keeps a reference of its own. */
    if (rec && set_top(PyList_GET_ITEM(stack, n - 2)) < 0) {
        Py_DECREF(stack);
        return NULL;
    }
    /* stack.pop(), without the call: a list may hold fewer items than it has room for. */
    PyObject *last = PyList_GET_ITEM(stack, n - 1);
    Py_SET_SIZE(stack, n - 1);
    Py_DECREF(stack);
    /* The frame records no more steps: its live values are let go now, as
     * _leave does, while ``last`` (the frame record) is still held. */
    if (PyDict_GET_SIZE(fr->muts) != 0) {
        Py_SETREF(fr->objs, Py_NewRef(zero));
        PyDict_Clear(fr->muts);
    }
    /* What is left (its info constant, ints, an empty dict) cannot take part
     * in a cycle: the cyclic GC need not visit the record again (a session
     * keeps one per call). A dict tracks itself again if a tracked value is
     * ever put in it. */
    if (PyDict_GET_SIZE(fr->muts) == 0 && PyLong_CheckExact(fr->objs) && PyLong_CheckExact(fr->depth) &&
            PyLong_CheckExact(fr->serial) && PyTuple_CheckExact(fr->info)) {
        if (PyObject_GC_IsTracked(fr->muts))
            PyObject_GC_UnTrack(fr->muts);
        if (PyObject_GC_IsTracked(top))
            PyObject_GC_UnTrack(top);
    }
    Py_DECREF(last);
    Py_RETURN_NONE;
}


/* -- snapshots of containers (the same classes as _runtime._Seq and _Map) -- */


static PyObject *
snap_make(PyTypeObject *type, PyObject *a, PyObject *b, PyObject *length, PyObject *flat,
          PyObject *cut, PyObject *fp, PyObject *full)
{
    SnapObject *self = PyObject_GC_NewVar(SnapObject, type, 0);
    if (self == NULL)
        return NULL;
    self->a = Py_NewRef(a);
    self->b = Py_NewRef(b);
    self->length = Py_NewRef(length);
    self->flat = Py_NewRef(flat);
    self->cut = Py_NewRef(cut);
    self->fp = Py_NewRef(fp);
    self->full = Py_NewRef(full);
    /* Tracked by the cyclic GC only when it refers to a tracked object (as
     * CPython untracks a tuple of untracked items). A flat snapshot's other
     * members are an int, True, False and None. */
    PyObject *members[7] = {a, b, length, flat, cut, fp, full};
    int n = flat == Py_True && cut == Py_False && fp == Py_None && full == Py_None &&
        PyLong_CheckExact(length) ? 2 : 7;
    for (int i = 0; i < n; i++) {
        if (PyObject_IS_GC(members[i]) && PyObject_GC_IsTracked(members[i])) {
            PyObject_GC_Track(self);
            break;
        }
    }
    return (PyObject *)self;
}

static PyObject *
snapobj_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *a, *b, *length, *flat, *cut, *fp = Py_None, *full = Py_None;
    static char *seq_kw[] = {"kind", "items", "length", "flat", "cut", "fp", "full", NULL};
    static char *map_kw[] = {"keys", "values", "length", "flat", "cut", "fp", "full", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOO|OO", type == &MapType ? map_kw : seq_kw,
                                     &a, &b, &length, &flat, &cut, &fp, &full))
        return NULL;
    return snap_make(type, a, b, length, flat, cut, fp, full);
}

static int
snapobj_traverse(SnapObject *self, visitproc visit, void *arg)
{
    for (Py_ssize_t i = 0; i < Py_SIZE(self); i++)
        Py_VISIT(self->inl[i]);
    Py_VISIT(self->a);
    Py_VISIT(self->b);
    Py_VISIT(self->length);
    Py_VISIT(self->flat);
    Py_VISIT(self->cut);
    Py_VISIT(self->fp);
    Py_VISIT(self->full);
    return 0;
}

static int
snapobj_clear(SnapObject *self)
{
    for (Py_ssize_t i = 0; i < Py_SIZE(self); i++)
        Py_CLEAR(self->inl[i]);
    Py_CLEAR(self->a);
    Py_CLEAR(self->b);
    Py_CLEAR(self->length);
    Py_CLEAR(self->flat);
    Py_CLEAR(self->cut);
    Py_CLEAR(self->fp);
    Py_CLEAR(self->full);
    return 0;
}

static void
snapobj_dealloc(SnapObject *self)
{
    PyObject_GC_UnTrack(self);
    snapobj_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

#define SNAP_COMMON_MEMBERS \
    {"length", T_OBJECT_EX, offsetof(SnapObject, length), 0, NULL}, \
    {"flat", T_OBJECT_EX, offsetof(SnapObject, flat), 0, NULL}, \
    {"cut", T_OBJECT_EX, offsetof(SnapObject, cut), 0, NULL}, \
    {"fp", T_OBJECT_EX, offsetof(SnapObject, fp), 0, NULL}, \
    {"full", T_OBJECT_EX, offsetof(SnapObject, full), 0, NULL}, \
    {NULL, 0, 0, 0, NULL}

static PyMemberDef seq_members[] = {
    {"kind", T_OBJECT_EX, offsetof(SnapObject, a), 0, NULL},
    SNAP_COMMON_MEMBERS,
};

/* Whether any of ``n`` objects is tracked by the cyclic GC. */
static inline int
any_tracked(PyObject *const *items, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyObject_IS_GC(items[i]) && PyObject_GC_IsTracked(items[i]))
            return 1;
    }
    return 0;
}

/* Seq.items: the tuple, made of the inline items on first use and kept. */
static PyObject *
seq_get_items(SnapObject *self, void *closure)
{
    if (self->b == NULL) {
        Py_ssize_t n = Py_SIZE(self);
        PyObject *t = PyTuple_New(n);
        if (t == NULL)
            return NULL;
        for (Py_ssize_t i = 0; i < n; i++)
            PyTuple_SET_ITEM(t, i, Py_NewRef(self->inl[i]));
        if (!any_tracked(self->inl, n))
            PyObject_GC_UnTrack(t);
        self->b = t;
    }
    return Py_NewRef(self->b);
}

static PyGetSetDef seq_getset[] = {
    {"items", (getter)seq_get_items, NULL, "The items shown (a tuple).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* A Seq's items as an array: the inline ones, or the tuple's. 0, or -1 when
 * ``b`` is set but not a tuple (a Seq made from Python with other items). */
static inline int
seq_items(SnapObject *sn, PyObject *const **items, Py_ssize_t *n)
{
    if (sn->b == NULL) {
        *items = sn->inl;
        *n = Py_SIZE(sn);
        return 0;
    }
    if (!PyTuple_CheckExact(sn->b))
        return -1;
    *items = ((PyTupleObject *)sn->b)->ob_item;
    *n = PyTuple_GET_SIZE(sn->b);
    return 0;
}

static PyMemberDef map_members[] = {
    {"keys", T_OBJECT_EX, offsetof(SnapObject, a), 0, NULL},
    {"values", T_OBJECT_EX, offsetof(SnapObject, b), 0, NULL},
    SNAP_COMMON_MEMBERS,
};

static PyTypeObject SeqType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pytrace_sem._speedups.Seq",
    .tp_doc = "A copy of a list, tuple, set or frozenset, taken at one step (see _runtime._Seq).",
    .tp_basicsize = SNAP_BASICSIZE,
    .tp_itemsize = sizeof(PyObject *),
    .tp_getset = seq_getset,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = snapobj_new,
    .tp_traverse = (traverseproc)snapobj_traverse,
    .tp_clear = (inquiry)snapobj_clear,
    .tp_dealloc = (destructor)snapobj_dealloc,
    .tp_members = seq_members,
};

static PyTypeObject MapType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pytrace_sem._speedups.Map",
    .tp_doc = "A copy of a dict, taken at one step (see _runtime._Map).",
    .tp_basicsize = SNAP_BASICSIZE,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = snapobj_new,
    .tp_traverse = (traverseproc)snapobj_traverse,
    .tp_clear = (inquiry)snapobj_clear,
    .tp_dealloc = (destructor)snapobj_dealloc,
    .tp_members = map_members,
};

static PyObject *py_same, *py_snap;    /* the Python twins */

static int
snapshots_unbound(void)
{
    if (py_same != NULL && py_snap != NULL)
        return 0;
    PyErr_SetString(PyExc_RuntimeError,
                    "pytrace_sem._speedups snapshots are not bound (pure Python recorder in use)");
    return 1;
}
static PyObject *kind_list, *kind_tuple, *kind_set, *kind_frozenset, *k_limits, *a_max_items,
    *a_max_depth, *k_default_limits, *k_track, *kw_track;

/* The kind name of an exact list, tuple, set or frozenset (borrowed), else NULL. */
static inline PyObject *
seq_kind(PyObject *v)
{
    PyTypeObject *t = Py_TYPE(v);
    if (t == &PyList_Type)
        return kind_list;
    if (t == &PyTuple_Type)
        return kind_tuple;
    if (t == &PySet_Type)
        return kind_set;
    if (t == &PyFrozenSet_Type)
        return kind_frozenset;
    return NULL;
}

static inline int
is_true(PyObject *v)   /* for the bool members: no error possible */
{
    if (v == Py_True)
        return 1;
    if (v == Py_False || v == Py_None)
        return 0;
    int t = PyObject_IsTrue(v);
    if (t < 0) {
        PyErr_Clear();
        return 1;
    }
    return t;
}

/* Identity of the items of ``live`` (an exact list, tuple, set or frozenset)
 * with the ``n`` of ``items``, up to the shorter: 1, 0, or -1 on error. */
static int
same_items(PyObject *live, PyObject *const *items, Py_ssize_t n)
{
    if (PyList_CheckExact(live) || PyTuple_CheckExact(live)) {
        PyObject **ia = PySequence_Fast_ITEMS(live);
        Py_ssize_t m = PySequence_Fast_GET_SIZE(live);
        if (m < n)
            n = m;
        for (Py_ssize_t i = 0; i < n; i++) {
            if (ia[i] != items[i])
                return 0;
        }
        return 1;
    }
    PyObject *it = PyObject_GetIter(live);
    if (it == NULL)
        return -1;
    int result = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *x = PyIter_Next(it);
        if (x == NULL) {
            if (PyErr_Occurred())
                result = -1;
            break;
        }
        int differ = x != items[i];
        Py_DECREF(x);
        if (differ) {
            result = 0;
            break;
        }
    }
    Py_DECREF(it);
    return result;
}

/* _runtime.same(live, s) for a flat snapshot ``s`` (a Seq or Map) of a
 * container that was not cut: 1 (same), 0 (changed), -1 (error set), -2 (not
 * this case: the Python twin decides). Runs no code of the user's. */
static int
same_snap(PyObject *live, PyObject *s)
{
    PyTypeObject *c = Py_TYPE(s);
    if (c != &SeqType && c != &MapType)
        return -2;
    SnapObject *sn = (SnapObject *)s;
    if (sn->a == NULL || (sn->b == NULL && c == &MapType) || sn->length == NULL || sn->flat == NULL ||
            sn->cut == NULL)
        return -2;
    Py_ssize_t length = PyLong_AsSsize_t(sn->length);
    if (length == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return -2;
    }
    if (c == &SeqType) {
        PyObject *kind = seq_kind(live);
        if (kind == NULL || (kind != sn->a && (!PyUnicode_Check(sn->a) || PyUnicode_Compare(kind, sn->a) != 0))) {
            if (PyErr_Occurred())
                PyErr_Clear();
            return 0;
        }
        Py_ssize_t n = kind == kind_list || kind == kind_tuple ? Py_SIZE(live) : PySet_GET_SIZE(live);
        if (n != length)
            return 0;
        if (is_true(sn->cut) || !is_true(sn->flat))
            return -2;
        PyObject *const *items;
        Py_ssize_t nitems;
        if (seq_items(sn, &items, &nitems) < 0)
            return -2;
        return same_items(live, items, nitems);
    }
    if (!PyDict_CheckExact(live) || PyDict_GET_SIZE(live) != length)
        return 0;
    if (is_true(sn->cut) || !is_true(sn->flat) || !PyTuple_CheckExact(sn->a) || !PyTuple_CheckExact(sn->b))
        return -2;
    Py_ssize_t pos = 0, i = 0, nk = PyTuple_GET_SIZE(sn->a), nv = PyTuple_GET_SIZE(sn->b);
    PyObject *k, *v;
    while (PyDict_Next(live, &pos, &k, &v)) {
        if ((i < nk && k != PyTuple_GET_ITEM(sn->a, i)) || (i < nv && v != PyTuple_GET_ITEM(sn->b, i)))
            return 0;
        i++;
    }
    return 1;
}

/* same(live, s): same_snap, else the Python twin. */
static PyObject *
sp_same(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (unbound() || snapshots_unbound())
        return NULL;
    if (nargs != 2)
        return twin(py_same, args, nargs);
    if (args[0] == args[1])
        Py_RETURN_TRUE;
    int r = same_snap(args[0], args[1]);
    if (r == -2)
        return twin(py_same, args, nargs);
    if (r < 0)
        return NULL;
    return PyBool_FromLong(r);
}

/* The limits in force: the session's, else _DEFAULT_LIMITS. 0, or -1 (twin). */
static int
limits(Py_ssize_t *max_items, Py_ssize_t *max_depth)
{
    PyObject *sess = current_session(), *lim;
    if (sess != NULL && sess != Py_None) {
        /* The usual case, read from the slots directly. */
        lim = session_slot(sess, off_limits);
        if (lim != NULL && Py_TYPE(lim) == limits_type) {
            PyObject *mi = *(PyObject **)((char *)lim + off_max_items);
            PyObject *md = *(PyObject **)((char *)lim + off_max_depth);
            if (mi != NULL && md != NULL && PyLong_CheckExact(mi) && PyLong_CheckExact(md)) {
                *max_items = PyLong_AsSsize_t(mi);
                *max_depth = PyLong_AsSsize_t(md);
                if (!PyErr_Occurred())
                    return 0;
                PyErr_Clear();
            }
        }
        lim = PyObject_GetAttr(sess, k_limits);
    }
    else {
        lim = glob(k_default_limits);
        Py_XINCREF(lim);
    }
    if (lim == NULL) {
        PyErr_Clear();
        return -1;
    }
    PyObject *mi = PyObject_GetAttr(lim, a_max_items), *md = PyObject_GetAttr(lim, a_max_depth);
    Py_DECREF(lim);
    int rc = -1;
    if (mi != NULL && md != NULL && PyLong_CheckExact(mi) && PyLong_CheckExact(md)) {
        *max_items = PyLong_AsSsize_t(mi);
        *max_depth = PyLong_AsSsize_t(md);
        rc = PyErr_Occurred() ? -1 : 0;
    }
    PyErr_Clear();
    Py_XDECREF(mi);
    Py_XDECREF(md);
    return rc;
}

/* The items of ``items`` (a new tuple): 1 when all are atoms, 0 when not.
 * ``*tracked`` is set when one of them is tracked by the cyclic GC (types and
 * functions are atoms the GC tracks). */
static inline int
atoms_only(PyObject *items, int *tracked)
{
    *tracked = 0;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(items); i++) {
        PyObject *x = PyTuple_GET_ITEM(items, i);
        if (!is_atom(x))
            return 0;
        if (!*tracked && PyObject_IS_GC(x) && PyObject_GC_IsTracked(x))
            *tracked = 1;
    }
    return 1;
}

/* The limits read for the snapshots of one step: looked up on first use. */
typedef struct {
    int known;
    Py_ssize_t max_items, max_depth;
} StepLimits;

/* _runtime.snap(value) at depth 0 for an atom, or a container of atoms no
 * longer than max_items (a snapshot that is its items): 1 with *out set (a new
 * reference), 0 for any other value (nothing was run), -1 on error. Runs no
 * code of the user's: the containers are exact builtins, their items atoms. */
static int
snap_flat_in(PyObject *value, PyObject **out, StepLimits *lim)
{
    if (is_atom(value)) {
        *out = Py_NewRef(value);
        return 1;
    }
    PyObject *kind = seq_kind(value);
    int is_dict = PyDict_CheckExact(value);
    if (kind == NULL && !is_dict)
        return 0;
    if (!lim->known) {
        if (limits(&lim->max_items, &lim->max_depth) < 0)
            return 0;
        lim->known = 1;
    }
    if (lim->max_depth < 1)
        return 0;
    Py_ssize_t n = is_dict ? PyDict_GET_SIZE(value) :
        kind == kind_list || kind == kind_tuple ? Py_SIZE(value) : PySet_GET_SIZE(value);
    if (n > lim->max_items)
        return 0;
    PyObject *length = PyLong_FromSsize_t(n), *res = NULL;
    if (length == NULL)
        return -1;
    if (kind == kind_list) {
        /* The items go into the snapshot itself; is_atom runs afterwards (it
         * may hash a type, which a metaclass can make run code). */
        SnapObject *self = PyObject_GC_NewVar(SnapObject, &SeqType, n);
        if (self == NULL) {
            Py_DECREF(length);
            return -1;
        }
        PyObject **src = ((PyListObject *)value)->ob_item;
        for (Py_ssize_t i = 0; i < n; i++)
            self->inl[i] = Py_NewRef(src[i]);
        /* snap_make's members, set here: the kind is a str and the other
         * members are not tracked, so the snapshot is tracked exactly when
         * one of its items is. */
        self->a = Py_NewRef(kind);
        self->b = NULL;
        self->length = length;   /* takes the reference */
        self->flat = Py_NewRef(Py_True);
        self->cut = Py_NewRef(Py_False);
        self->fp = Py_NewRef(Py_None);
        self->full = Py_NewRef(Py_None);
        int tracked = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            PyObject *x = self->inl[i];
            if (!is_atom(x)) {
                Py_DECREF(self);
                return 0;
            }
            if (!tracked && PyObject_IS_GC(x) && PyObject_GC_IsTracked(x))
                tracked = 1;
        }
        if (tracked)
            PyObject_GC_Track(self);
        *out = (PyObject *)self;
        return 1;
    }
    if (!is_dict) {
        PyObject *items = kind == kind_tuple ? Py_NewRef(value) : PySequence_Tuple(value);
        if (items == NULL) {
            Py_DECREF(length);
            return -1;
        }
        int tracked;
        if (!atoms_only(items, &tracked)) {
            Py_DECREF(items);
            Py_DECREF(length);
            return 0;
        }
        if (kind == kind_tuple || kind == kind_frozenset) {
            Py_DECREF(items);
            Py_DECREF(length);
            *out = Py_NewRef(value);   /* immutable, of atoms: its own snapshot */
            return 1;
        }
        if (!tracked && PyObject_GC_IsTracked(items))
            PyObject_GC_UnTrack(items);
        res = snap_make(&SeqType, kind, items, length, Py_True, Py_False, Py_None, Py_None);
        Py_DECREF(items);
        Py_DECREF(length);
        if (res == NULL)
            return -1;
        *out = res;
        return 1;
    }
    int rc = -1;
    PyObject *keys = PyTuple_New(n), *vals = PyTuple_New(n);
    if (keys == NULL || vals == NULL)
        goto done;
    Py_ssize_t pos = 0, i = 0;
    PyObject *k, *v;
    while (i < n && PyDict_Next(value, &pos, &k, &v)) {
        if (!is_atom(k) || !is_atom(v)) {
            rc = 0;
            goto done;
        }
        PyTuple_SET_ITEM(keys, i, Py_NewRef(k));
        PyTuple_SET_ITEM(vals, i, Py_NewRef(v));
        i++;
    }
    if (i != n) {
        rc = 0;
        goto done;
    }
    untrack(keys);
    untrack(vals);
    res = snap_make(&MapType, keys, vals, length, Py_True, Py_False, Py_None, Py_None);
    if (res != NULL) {
        *out = res;
        rc = 1;
    }
done:
    Py_XDECREF(keys);
    Py_XDECREF(vals);
    Py_XDECREF(length);
    return rc;
}

static int
snap_flat(PyObject *value, PyObject **out)
{
    StepLimits lim = {0, 0, 0};
    return snap_flat_in(value, out, &lim);
}

/* snap(value) and snap(value, track=...): snap_flat, else the Python twin. */
static PyObject *
sp_snap(PyObject *module, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    if (unbound() || snapshots_unbound())
        return NULL;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    if (nargs == 1 && (nkw == 0 || (nkw == 1 && (PyTuple_GET_ITEM(kwnames, 0) == k_track ||
                                                  PyUnicode_Compare(PyTuple_GET_ITEM(kwnames, 0), k_track) == 0)))) {
        PyObject *out = NULL;
        int rc = snap_flat(args[0], &out);
        if (rc != 0)
            return rc < 0 ? NULL : out;
    }
    if (PyErr_Occurred())
        return NULL;
    return PyObject_Vectorcall(py_snap, args, nargsf, kwnames);
}

/* Whether ``ent`` is a muts pair (value, snapshot) whose snapshot is flat, was
 * not cut and has no shallow copy: the only kind record_flat handles. */
static inline int
plain_flat_pair(PyObject *ent)
{
    if (!PyTuple_CheckExact(ent) || PyTuple_GET_SIZE(ent) != 2)
        return 0;
    PyObject *o = PyTuple_GET_ITEM(ent, 1);
    if (Py_TYPE(o) != &SeqType && Py_TYPE(o) != &MapType)
        return 0;
    SnapObject *os = (SnapObject *)o;
    return os->cut != NULL && os->flat != NULL && !is_true(os->cut) && is_true(os->flat) &&
        os->full == Py_None;
}

/* Whether ``name`` (a str) is one of the names in the tuple ``names``: by
 * identity first (the rewriter's names are interned), then by value. */
static inline int
among(PyObject *names, PyObject *name)
{
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    for (Py_ssize_t i = 0; i < n; i++) {
        if (PyTuple_GET_ITEM(names, i) == name)
            return 1;
    }
    return n == 0 ? 0 : PySequence_Contains(names, name);
}

#define FLAT_LOCAL 8

/* _record for a step that binds no name, when every value the frame tracks is
 * a flat snapshot that was not cut (so has no shallow copy to patch or release;
 * a store into one, named by may_mutate, is checked like any other): each
 * is compared by identity, and the ones that changed are snapshotted again, in
 * tracking order, as _mutations does. Returns 1 (logged), 0 (not this case:
 * nothing was changed) or -1. */
static int
record_flat(FrameObject *fr, PyObject *st, PyObject *vals, PyObject *payload)
{
    PyObject *kind0 = PyTuple_GET_ITEM(st, 0);
    if (kind0 != zero && (!PyLong_CheckExact(kind0) || PyLong_AsLong(kind0) == 3))   /* K_DEL */
        return 0;
    int m = may_mutate(st);
    if (m < 0 || !falsy(fr->objs))
        return 0;
    PyObject *muts = fr->muts;
    /* The tracked pairs, in tracking order, with their names (strong
     * references: the dict may change below). Nothing is changed unless all
     * are flat. */
    Py_ssize_t room = PyDict_GET_SIZE(muts), ntracked = 0;
    PyObject *local[2 * FLAT_LOCAL], **tracked = local;
    if (room > FLAT_LOCAL && (tracked = PyMem_Malloc(2 * (size_t)room * sizeof(PyObject *))) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *snaps = NULL, *extra = NULL;
    PyObject *flocal[2 * FLAT_LOCAL], **found = flocal;
    Py_ssize_t nfound = 0;
    StepLimits lim = {0, 0, 0};
    int rc = 0;
    Py_ssize_t pos = 0;
    PyObject *name, *ent;
    while (PyDict_Next(muts, &pos, &name, &ent)) {
        if (ntracked >= room || !plain_flat_pair(ent))
            goto done;   /* rc 0 */
        tracked[2 * ntracked] = Py_NewRef(name);
        tracked[2 * ntracked + 1] = Py_NewRef(ent);
        ntracked++;
    }
    rc = -1;
    /* The names bound: snapshots first (nothing is changed unless all are flat),
     * then tracked as _track does (no old snapshot holds a copy to release). */
    Py_ssize_t nvals = vals == NULL ? 0 : PyTuple_GET_SIZE(vals);
    if (nvals > 0) {
        PyObject *names = PyTuple_GET_ITEM(st, 2);
        if (PyTuple_GET_SIZE(names) < nvals) {
            rc = 0;
            goto done;
        }
        snaps = PyTuple_New(nvals);
        if (snaps == NULL)
            goto done;
        int all_same = 1;
        for (Py_ssize_t i = 0; i < nvals; i++) {
            PyObject *sn = NULL;
            int got = snap_flat_in(PyTuple_GET_ITEM(vals, i), &sn, &lim);
            if (got <= 0) {
                rc = got;
                goto done;
            }
            PyTuple_SET_ITEM(snaps, i, sn);
            if (sn != PyTuple_GET_ITEM(vals, i))
                all_same = 0;
        }
        for (Py_ssize_t i = 0; i < nvals; i++) {
            PyObject *nm = PyTuple_GET_ITEM(names, i), *v = PyTuple_GET_ITEM(vals, i);
            PyObject *sn = PyTuple_GET_ITEM(snaps, i);
            int r;
            if (sn == v) {
                r = PyDict_GET_SIZE(muts) == 0 ? 0 : PyDict_Contains(muts, nm);
                if (r > 0)
                    r = PyDict_DelItem(muts, nm);
            }
            else {
                PyObject *pair = PyTuple_Pack(2, v, sn);
                r = pair ? PyDict_SetItem(muts, nm, pair) : -1;
                Py_XDECREF(pair);
            }
            if (r < 0)
                goto done;
        }
        if (all_same)   /* _snaps: the values themselves */
            Py_SETREF(snaps, Py_NewRef(vals));
    }
    if (PyUnicode_Check(PyTuple_GET_ITEM(st, 3)) && PyTuple_GET_SIZE(st) == 4) {
        /* A store into a container that is not long: its keys are not used. */
        PyObject *key = glob(k_key);
        if (key != Py_None && PyDict_SetItem(G, k_key, Py_None) < 0)
            goto done;
    }
    /* extra: name, new snapshot, name, new snapshot... for the tracked values
     * that changed, in tracking order. The names bound here were tracked
     * anew above: they are skipped, so the pairs collected are still current. */
    if (m != 0 && ntracked != 0) {
        PyObject *skip = PyTuple_GET_ITEM(st, 2);
        if (ntracked > FLAT_LOCAL &&
                (found = PyMem_Malloc(2 * (size_t)ntracked * sizeof(PyObject *))) == NULL) {
            found = flocal;
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < ntracked; i++) {
            name = tracked[2 * i];
            ent = tracked[2 * i + 1];
            int skipped = among(skip, name);
            if (skipped) {
                if (skipped < 0)
                    goto done;
                continue;
            }
            PyObject *live = PyTuple_GET_ITEM(ent, 0), *old = PyTuple_GET_ITEM(ent, 1);
            int same = live == old ? 1 : same_snap(live, old);
            if (same == -2) {
                PyObject *args[2] = {live, old};
                PyObject *r = twin(py_same, args, 2);
                if (r == NULL)
                    goto done;
                same = r == Py_True;
                Py_DECREF(r);
            }
            if (same < 0)
                goto done;
            if (same)
                continue;
            PyObject *new = NULL;
            int got = snap_flat_in(live, &new, &lim);
            if (got < 0)
                goto done;
            if (got == 0) {
                PyObject *sargs[2] = {live, Py_True};
                new = PyObject_Vectorcall(py_snap, sargs, 1, kw_track);
                if (new == NULL)
                    goto done;
            }
            if (Py_REFCNT(ent) == 2) {
                /* Only muts (and this function) holds the pair, so no one can
                 * see it change: its snapshot is replaced in place instead of
                 * a new pair being made and stored. */
                PyTuple_SET_ITEM(ent, 1, Py_NewRef(new));
                Py_DECREF(old);
                /* Tracked, as a new pair would be (the GC untracks it again
                 * if it holds nothing tracked). */
                if (!PyObject_GC_IsTracked(ent))
                    PyObject_GC_Track(ent);
            }
            else {
                PyObject *pair = PyTuple_Pack(2, live, new);
                if (pair == NULL || PyDict_SetItem(muts, name, pair) < 0) {
                    Py_XDECREF(pair);
                    Py_DECREF(new);
                    goto done;
                }
                Py_DECREF(pair);
            }
            found[2 * nfound] = Py_NewRef(name);
            found[2 * nfound + 1] = new;   /* found takes the reference */
            nfound++;
        }
        if (nfound == 1 && nvals == 0 && payload == Py_None && kind0 == zero) {
            /* A line that bound nothing and changed one tracked value (an
             * append, say): its name in the extra slot and its snapshot in
             * the payload slot, which a line's entry does not use, so that
             * no tuple is made (see the log's format in _runtime). */
            rc = push(st, 1, fr->serial, st, Py_None, found[0], found[1]) < 0 ? -1 : 1;
            goto done;
        }
        if (nfound > 0) {
            extra = PyTuple_New(2 * nfound);
            if (extra == NULL)
                goto done;
            for (Py_ssize_t i = 0; i < 2 * nfound; i++)
                PyTuple_SET_ITEM(extra, i, found[i]);   /* the tuple takes them */
            nfound = 0;
            untrack(extra);
        }
    }
    if (snaps != NULL && PyTuple_CheckExact(snaps))
        untrack(snaps);
    rc = push(st, 1, fr->serial, st, snaps ? snaps : Py_None, extra ? extra : Py_None, payload) < 0 ? -1 : 1;
done:
    for (Py_ssize_t i = 0; i < 2 * nfound; i++)
        Py_DECREF(found[i]);
    if (found != flocal)
        PyMem_Free(found);
    for (Py_ssize_t i = 0; i < 2 * ntracked; i++)
        Py_DECREF(tracked[i]);
    if (tracked != local)
        PyMem_Free(tracked);
    Py_XDECREF(snaps);
    Py_XDECREF(extra);
    return rc;
}

/* -- item stores into a long list ------------------------------------------------
 *
 * ``a[i] = v; R.s(ST)`` with ``'a'`` as ST's may_mutate (see _runtime._stored):
 * when ``a`` is a long list tracked with a shallow copy, and every other value
 * the frame tracks is a flat snapshot that was not cut and still matches (an
 * identity check: no code of the user's runs), the copy is patched here at the
 * keys ``k`` collected, as _runtime._patched does. Any other case, and any
 * doubt, is left to _record before anything is changed. */

static PyObject *k_version, *k_confirmed, *k_same_atom;

/* 1 when the atoms ``x`` and ``old`` (distinct objects) have one type and one
 * repr, 0 when not, -1 on error. */
static int
same_atom(PyObject *x, PyObject *old)
{
    PyTypeObject *t = Py_TYPE(x);
    if (t != Py_TYPE(old) || !is_atom(x))
        return 0;
    if (t == &PyLong_Type || t == &PyUnicode_Type || t == &PyBytes_Type || t == &PyBool_Type)
        return PyObject_RichCompareBool(x, old, Py_EQ);
    PyObject *fn = glob(k_same_atom);
    if (fn == NULL)
        return 0;
    PyObject *args[2] = {x, old};
    PyObject *r = PyObject_Vectorcall(fn, args, 2, NULL);
    if (r == NULL)
        return -1;
    int t2 = PyObject_IsTrue(r);
    Py_DECREF(r);
    return t2;
}

/* Whether two arrays of n object pointers hold the same objects, in order:
 * memcmp compares many pointers per instruction. */
static inline int
same_pointers(PyObject *const *a, PyObject *const *b, Py_ssize_t n)
{
    return n <= 0 || a == b || memcmp(a, b, (size_t)n * sizeof(PyObject *)) == 0;
}

/* Returns 1 (the step is logged), 0 (not this case: nothing was changed), -1 (error). */
static int
store_into_long_list(FrameObject *fr, PyObject *st)
{
    if (PyTuple_GET_SIZE(st) != 4 || PyTuple_GET_SIZE(PyTuple_GET_ITEM(st, 2)) != 0)
        return 0;
    PyObject *kind0 = PyTuple_GET_ITEM(st, 0);
    if (!PyLong_CheckExact(kind0) || PyLong_AsLong(kind0) != 0)
        return 0;
    PyObject *name = PyTuple_GET_ITEM(st, 3);
    if (!PyUnicode_CheckExact(name) || !falsy(fr->objs))
        return 0;
    PyObject *ent = PyDict_GetItemWithError(fr->muts, name);
    if (ent == NULL) {
        PyErr_Clear();
        return 0;
    }
    if (!PyTuple_CheckExact(ent) || PyTuple_GET_SIZE(ent) != 2)
        return 0;
    PyObject *live = PyTuple_GET_ITEM(ent, 0);
    PyObject *snobj = PyTuple_GET_ITEM(ent, 1);
    if (Py_TYPE(snobj) != &SeqType || !PyList_CheckExact(live))
        return 0;
    SnapObject *sn = (SnapObject *)snobj;
    PyObject *full = sn->full, *items = sn->b;
    if (full == NULL || !PyList_CheckExact(full) || items == NULL || !PyTuple_CheckExact(items) ||
            sn->length == NULL || sn->a == NULL)
        return 0;
    Py_ssize_t n = PyList_GET_SIZE(live);
    Py_ssize_t length = PyLong_AsSsize_t(sn->length);
    if (length == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return 0;
    }
    if (n != length || PyList_GET_SIZE(full) != n)
        return 0;
    PyObject *pending = glob(k_key);
    if (pending == NULL || !PyTuple_CheckExact(pending) || PyTuple_GET_SIZE(pending) != 2 ||
            PyTuple_GET_ITEM(pending, 0) != (PyObject *)fr || !PyList_CheckExact(PyTuple_GET_ITEM(pending, 1)))
        return 0;
    PyObject *keys = PyTuple_GET_ITEM(pending, 1);
    Py_ssize_t nkeys = PyList_GET_SIZE(keys);
    Py_ssize_t idx[MAX_KEYS];
    if (nkeys > MAX_KEYS)
        return 0;
    for (Py_ssize_t j = 0; j < nkeys; j++) {
        PyObject *key = PyList_GET_ITEM(keys, j);
        if (!PyLong_CheckExact(key))
            return 0;
        Py_ssize_t i = PyLong_AsSsize_t(key);
        if (i == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            return 0;
        }
        if (i < -n || i >= n)
            return 0;
        if (i < 0)
            i += n;
        PyObject *x = PyList_GET_ITEM(live, i);
        if (!is_atom(x) || Py_TYPE(x) == &PySlice_Type)
            return 0;
        idx[j] = i;
    }
    /* Every other tracked value: a flat snapshot, not cut, that still matches. */
    Py_ssize_t pos = 0;
    PyObject *other, *oent;
    while (PyDict_Next(fr->muts, &pos, &other, &oent)) {
        if (other == name)
            continue;
        if (PyUnicode_Check(other) && PyUnicode_Compare(other, name) == 0)
            continue;
        if (!plain_flat_pair(oent))
            return 0;
        PyObject *o = PyTuple_GET_ITEM(oent, 1);
        PyObject *args[2] = {PyTuple_GET_ITEM(oent, 0), o};
        PyObject *r = sp_same(NULL, args, 2);
        if (r == NULL)
            return -1;
        Py_DECREF(r);
        if (r != Py_True)
            return 0;
    }
    /* From here on this is the step: the keys are used up (as in _stored). */
    if (PyDict_SetItem(G, k_key, Py_None) < 0)
        return -1;
    PyObject *new_items = NULL;
    int changed = 0;
    for (Py_ssize_t j = 0; j < nkeys; j++) {
        Py_ssize_t i = idx[j];
        PyObject *x = PyList_GET_ITEM(live, i);
        PyObject *old = PyList_GET_ITEM(full, i);
        if (x == old)
            continue;
        int same = same_atom(x, old);
        if (same < 0) {
            Py_XDECREF(new_items);
            return -1;
        }
        if (same)
            continue;
        changed = 1;
        Py_INCREF(x);
        if (PyList_SetItem(full, i, x) < 0) {
            Py_XDECREF(new_items);
            return -1;
        }
        if (i < PyTuple_GET_SIZE(items)) {
            if (new_items == NULL) {
                /* A copy: the old snapshot keeps its items (not PyTuple_GetSlice,
                 * which returns the tuple itself for a whole slice). */
                Py_ssize_t m = PyTuple_GET_SIZE(items);
                new_items = PyTuple_New(m);
                if (new_items == NULL)
                    return -1;
                for (Py_ssize_t q = 0; q < m; q++)
                    PyTuple_SET_ITEM(new_items, q, Py_NewRef(PyTuple_GET_ITEM(items, q)));
            }
            PyObject *prev = PyTuple_GET_ITEM(new_items, i);
            PyTuple_SET_ITEM(new_items, i, Py_NewRef(x));
            Py_DECREF(prev);
        }
    }
    PyObject *new;
    if (changed) {
        PyObject *version_cls = glob(k_version);
        /* _Version() without the call machinery: it has no __init__ and no state. */
        PyObject *version = version_cls && PyType_Check(version_cls)
            ? ((PyTypeObject *)version_cls)->tp_alloc((PyTypeObject *)version_cls, 0) : NULL;
        if (version == NULL) {
            Py_XDECREF(new_items);
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_RuntimeError, "pytrace_sem: _Version is missing");
            return -1;
        }
        if (new_items != NULL)
            untrack(new_items);
        new = snap_make(&SeqType, sn->a, new_items ? new_items : items, sn->length, Py_True, Py_True,
                        version, full);
        Py_DECREF(version);
        Py_XDECREF(new_items);
        if (new == NULL)
            return -1;
    }
    else {
        new = Py_NewRef(snobj);
    }
    /* _confirmed: the same objects throughout, else the Python function decides. */
    PyObject *shown = ((SnapObject *)new)->b;
    Py_ssize_t nshown = PyTuple_GET_SIZE(shown) < n ? PyTuple_GET_SIZE(shown) : n;
    int confirmed = PyList_GET_SIZE(live) == n && PyList_GET_SIZE(full) == n &&
        same_pointers(((PyListObject *)live)->ob_item, ((PyListObject *)full)->ob_item, n) &&
        same_pointers(((PyListObject *)live)->ob_item, ((PyTupleObject *)shown)->ob_item, nshown);
    if (confirmed) {
        if (new != snobj)
            Py_SETREF(sn->full, Py_NewRef(Py_None));   /* the copy belongs to the new snapshot */
    }
    else {
        PyObject *fn = glob(k_confirmed);
        if (fn == NULL) {
            Py_DECREF(new);
            PyErr_SetString(PyExc_RuntimeError, "pytrace_sem: _confirmed is missing");
            return -1;
        }
        PyObject *args[4] = {live, snobj, new, full};
        PyObject *r = PyObject_Vectorcall(fn, args, 4, NULL);
        Py_DECREF(new);
        if (r == NULL)
            return -1;
        new = r;
    }
    /* _mutations with the patched snapshot; every other value matched above. */
    PyObject *extra = Py_None;
    if (new != snobj) {
        PyObject *pair = PyTuple_Pack(2, live, new);
        extra = PyTuple_Pack(2, name, new);   /* (name, snapshot), as record_flat logs it */
        if (pair == NULL || extra == NULL || PyDict_SetItem(fr->muts, name, pair) < 0) {
            Py_XDECREF(pair);
            Py_XDECREF(extra);
            Py_DECREF(new);
            return -1;
        }
        Py_DECREF(pair);
    }
    else {
        Py_INCREF(extra);
    }
    Py_DECREF(new);
    int rc = push(st, 1, fr->serial, st, Py_None, extra, Py_None);
    Py_DECREF(extra);
    return rc < 0 ? -1 : 1;
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
        Py_ssize_t n = PySequence_Fast_GET_SIZE(a), nb = PySequence_Fast_GET_SIZE(b);
        if (nb < n)
            n = nb;
        return PyBool_FromLong(same_pointers(PySequence_Fast_ITEMS(a), PySequence_Fast_ITEMS(b), n));
    }
    PyErr_SetString(PyExc_TypeError, "same_ids: two lists or tuples, or two dicts");
    return NULL;
}

/* -- binding --------------------------------------------------------------- */

/* The offset of the object slot ``name`` in instances of ``type``, or -1 with
 * an error set. */
static Py_ssize_t
slot_offset(PyTypeObject *type, const char *name)
{
    PyObject *d = PyDict_GetItemString(type->tp_dict, name);
    if (d == NULL || !PyObject_TypeCheck(d, &PyMemberDescr_Type) ||
            ((PyMemberDescrObject *)d)->d_member->type != T_OBJECT_EX) {
        PyErr_Format(PyExc_TypeError, "%.200s.%s is not an object slot", type->tp_name, name);
        return -1;
    }
    return ((PyMemberDescrObject *)d)->d_member->offset;
}

static int
bind_session_type(PyObject *g)
{
    PyObject *t = PyDict_GetItemString(g, "Session"), *lt = PyDict_GetItemString(g, "Limits");
    if (t == NULL || !PyType_Check(t) || lt == NULL || !PyType_Check(lt)) {
        PyErr_SetString(PyExc_TypeError, "bind: Session or Limits missing");
        return -1;
    }
    PyTypeObject *type = (PyTypeObject *)t, *ltype = (PyTypeObject *)lt;
    Py_ssize_t keep = slot_offset(type, "keep"), stack = slot_offset(type, "stack");
    Py_ssize_t frames = slot_offset(type, "frames"), recording = slot_offset(type, "recording");
    Py_ssize_t lim = slot_offset(type, "limits");
    Py_ssize_t items = slot_offset(ltype, "max_items"), depth = slot_offset(ltype, "max_depth");
    if (keep < 0 || stack < 0 || frames < 0 || recording < 0 || lim < 0 || items < 0 || depth < 0)
        return -1;
    off_keep = keep;
    off_stack = stack;
    off_frames = frames;
    off_recording = recording;
    off_limits = lim;
    off_max_items = items;
    off_max_depth = depth;
    Py_INCREF(type);
    Py_XSETREF(session_type, type);
    Py_INCREF(ltype);
    Py_XSETREF(limits_type, ltype);
    return 0;
}

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
    if (bind_session_type(g) < 0)
        return NULL;
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

static PyObject *
sp_bind_snapshots(PyObject *module, PyObject *args)
{
    PyObject *fsame, *fsnap;
    if (!PyArg_ParseTuple(args, "OO:bind_snapshots", &fsame, &fsnap))
        return NULL;
    Py_INCREF(fsame);
    Py_XSETREF(py_same, fsame);
    Py_INCREF(fsnap);
    Py_XSETREF(py_snap, fsnap);
    Py_RETURN_NONE;
}

/* -- stack room ----------------------------------------------------------
 *
 * The recorder never spends the traced program's recursion limit. Each entry
 * point (the hooks below, and ``Roomy``, which wraps the hooks written in
 * Python) checks how many frames the limit leaves; with fewer than ROOM left,
 * it raises the limit for the time of its own work, so no frame of ours can
 * raise RecursionError into the program, and puts it back before it returns.
 * What the program can still see is the hook call itself, on interpreters that
 * count C calls against the limit (3.10, 3.11). */

#define ROOM 200

static inline int
stack_room(void)
{
    PyThreadState *ts = PyThreadState_Get();
#if PY_VERSION_HEX >= 0x030C0000
    return ts->py_recursion_remaining;
#elif PY_VERSION_HEX >= 0x030B0000
    return ts->recursion_remaining;
#else
    return Py_GetRecursionLimit() - ts->recursion_depth;
#endif
}

/* 0, or the limit to put back once the hook is done. */
static inline int
room_begin(void)
{
    int room = stack_room();
    if (room >= ROOM)
        return 0;
    int limit = Py_GetRecursionLimit();
    Py_SetRecursionLimit(limit + (ROOM - room));
    return limit;
}

static inline void
room_end(int limit)
{
    if (limit)
        Py_SetRecursionLimit(limit);
}

#define ROOMY_HOOK(name)                                                        \
    static PyObject *                                                           \
    sp_##name(PyObject *module, PyObject *const *args, Py_ssize_t nargs)        \
    {                                                                           \
        int limit = room_begin();                                               \
        PyObject *res = hook_##name(module, args, nargs);                      \
        room_end(limit);                                                        \
        return res;                                                             \
    }

ROOMY_HOOK(s1)
ROOMY_HOOK(s)
ROOMY_HOOK(b)
ROOMY_HOOK(r)
ROOMY_HOOK(e)
ROOMY_HOOK(l)

static PyObject *
sp_k(PyObject *module, PyObject *key)
{
    int limit = room_begin();
    PyObject *res = hook_k(module, key);
    room_end(limit);
    return res;
}

/* Roomy(fn): calls fn as it is, with the stack room the hooks above get. */
typedef struct {
    PyObject_HEAD
    PyObject *fn;
    vectorcallfunc vectorcall;
} RoomyObject;

static PyObject *
roomy_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    int limit = room_begin();
    PyObject *res = PyObject_Vectorcall(((RoomyObject *)self)->fn, args, nargsf, kwnames);
    room_end(limit);
    return res;
}

static PyObject *
roomy_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyObject *fn;
    if (!PyArg_ParseTuple(args, "O:Roomy", &fn))
        return NULL;
    RoomyObject *self = (RoomyObject *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->fn = Py_NewRef(fn);
    self->vectorcall = roomy_call;
    return (PyObject *)self;
}

static int
roomy_traverse(RoomyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->fn);
    return 0;
}

static void
roomy_dealloc(RoomyObject *self)
{
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->fn);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef roomy_members[] = {
    {"__wrapped__", T_OBJECT, offsetof(RoomyObject, fn), READONLY, "the function called"},
    {NULL},
};

static PyTypeObject RoomyType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "pytrace_sem._speedups.Roomy",
    .tp_basicsize = sizeof(RoomyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "Roomy(fn): fn, called with the stack room of the recorder's hooks.",
    .tp_new = roomy_new,
    .tp_traverse = (traverseproc)roomy_traverse,
    .tp_dealloc = (destructor)roomy_dealloc,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(RoomyObject, vectorcall),
    .tp_members = roomy_members,
};

static PyObject *
sp_stack_room(PyObject *module, PyObject *unused)
{
    return PyLong_FromLong(stack_room());
}

static PyMethodDef methods[] = {
    {"bind_snapshots", sp_bind_snapshots, METH_VARARGS,
     "bind_snapshots(same, snap): the Python twins of same and snap."},
    {"same", (PyCFunction)(void (*)(void))sp_same, METH_FASTCALL, "see _runtime.same"},
    {"snap", (PyCFunction)(void (*)(void))sp_snap, METH_FASTCALL | METH_KEYWORDS, "see _runtime.snap"},
    {"bind", sp_bind, METH_VARARGS, "bind(globals, s, s1, b, r): share _runtime's state and slow paths."},
    {"s", (PyCFunction)(void (*)(void))sp_s, METH_FASTCALL, "A statement ran (see _runtime.s)."},
    {"s1", (PyCFunction)(void (*)(void))sp_s1, METH_FASTCALL, "A statement bound one name (see _runtime.s1)."},
    {"b", (PyCFunction)(void (*)(void))sp_b, METH_FASTCALL, "A branch condition (see _runtime.b)."},
    {"r", (PyCFunction)(void (*)(void))sp_r, METH_FASTCALL, "A return (see _runtime.r)."},
    {"set_top", (PyCFunction)sp_set_top, METH_O,
     "set_top(frame_or_None): _runtime._top, kept in C too (_runtime sets it only through this)."},
    {"set_busy", (PyCFunction)sp_set_busy, METH_O,
     "set_busy(n): _runtime._busy, kept in C too (_runtime sets it only through this)."},
    {"session", (PyCFunction)(void (*)(void))sp_session, METH_FASTCALL,
     "session(log, max_steps, thread[, session]): the values of _log, _max_steps, _thread (and _session), "
     "after each change."},
    {"e", (PyCFunction)(void (*)(void))sp_e, METH_FASTCALL, "A call (see _runtime.e)."},
    {"l", (PyCFunction)(void (*)(void))sp_l, METH_FASTCALL, "A function is leaving (see _runtime.l)."},
    {"k", sp_k, METH_O, "An item store's key (see _runtime.k)."},
    {"build_fast", (PyCFunction)(void (*)(void))sp_build_fast, METH_FASTCALL,
     "The trace builder's loop for short entries of cached atoms (see api._build_steps)."},
    {"stack_room", sp_stack_room, METH_NOARGS,
     "Frames the recursion limit leaves the calling thread (hooks keep ROOM of them for themselves)."},
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
    if (PyType_Ready(&FrameType) < 0 || PyType_Ready(&SeqType) < 0 || PyType_Ready(&MapType) < 0 ||
            PyType_Ready(&LogType) < 0 || PyType_Ready(&MakerType) < 0 || PyType_Ready(&RoomyType) < 0)
        return NULL;
    kind_list = PyUnicode_InternFromString("list");
    kind_tuple = PyUnicode_InternFromString("tuple");
    kind_set = PyUnicode_InternFromString("set");
    kind_frozenset = PyUnicode_InternFromString("frozenset");
    k_limits = PyUnicode_InternFromString("limits");
    a_max_items = PyUnicode_InternFromString("max_items");
    a_max_depth = PyUnicode_InternFromString("max_depth");
    k_default_limits = PyUnicode_InternFromString("_DEFAULT_LIMITS");
    k_track = PyUnicode_InternFromString("track");
    kw_track = k_track ? PyTuple_Pack(1, k_track) : NULL;
    if (!kind_list || !kind_tuple || !kind_set || !kind_frozenset || !k_limits || !a_max_items ||
            !a_max_depth || !k_default_limits || !k_track || !kw_track)
        return NULL;
    k_top = PyUnicode_InternFromString("_top");
    k_key = PyUnicode_InternFromString("_key");
    k_session = PyUnicode_InternFromString("_session");
    k_stop = PyUnicode_InternFromString("_stop");
    k_max_steps_reason = PyUnicode_InternFromString("max_steps");
    k_busy = PyUnicode_InternFromString("_busy");
    k_call_st = PyUnicode_InternFromString("_call_st");
    k_record = PyUnicode_InternFromString("_record");
    k_snap = PyUnicode_InternFromString("snap");
    k_version = PyUnicode_InternFromString("_Version");
    k_confirmed = PyUnicode_InternFromString("_confirmed");
    k_same_atom = PyUnicode_InternFromString("_same_atom");
    if (!k_version || !k_confirmed || !k_same_atom)
        return NULL;
    zero = PyLong_FromLong(0);
    one = PyLong_FromLong(1);
    s_repr = PyUnicode_InternFromString("repr");
    s_type = PyUnicode_InternFromString("type");
    s_int = PyUnicode_InternFromString("int");
    empty_tuple = PyTuple_New(0);
    if (!s_repr || !s_type || !s_int || !empty_tuple)
        return NULL;
    if (!k_busy || !k_call_st || !k_record || !k_snap || !zero || !one)
        return NULL;
    if (!k_top || !k_key || !k_session || !k_stop || !k_max_steps_reason)
        return NULL;
    PyObject *m = PyModule_Create(&moduledef);
    if (m == NULL)
        return NULL;
    struct { const char *name; PyTypeObject *type; } types[] = {
        {"Frame", &FrameType}, {"Seq", &SeqType}, {"Map", &MapType}, {"Log", &LogType},
        {"SlotMaker", &MakerType}, {"Roomy", &RoomyType},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        Py_INCREF(types[i].type);
        if (PyModule_AddObject(m, types[i].name, (PyObject *)types[i].type) < 0) {
            Py_DECREF(types[i].type);
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
