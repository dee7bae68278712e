package diffparse

import (
	"github.com/safediff/safediff/pkg/diag"
)

// This file analyses objects on several goroutines while the reader goes
// on. Objects are independent once their bodies are read: the reader
// (one goroutine, reading the input in order) hands each body to a worker
// and commits the workers' results in input order, so that the plan, its
// notes and its errors are exactly those of a serial parse.
//
// Order. Everything the reader adds to the parse state itself (an error,
// a note, an object that needs no analysis) is added only after every
// object before it is committed (see sync). The errors, notes and objects
// of the parse therefore come in the same order as in a serial parse.
//
// The error limit. A serial parse stops reading once it holds maxErrors
// errors, which it checks before each line between objects; the reader
// here may be ahead of the object whose errors reach the limit. When a
// commit reaches it, the state at that point (which is the serial parse's
// at the same point: nothing after that object has been added yet) is
// frozen, the input's own state (a read error, a cut last line) included,
// and everything after it is dropped.
//
// Memory. At most queueDepth bodies are read ahead of the last committed
// object, and their buffers are reused.

// queuePerWorker bounds the bodies queued per worker.
const queuePerWorker = 4

// job is one object's body handed to a worker, and what came of it.
type job struct {
	h         header
	obj       *Object
	body      []bodyLine
	namespace string
	// the input's state when the body was read: what a serial parse that
	// stopped after this object would see at its end
	inErr error
	cutAt int
	// results
	objs   []*Object
	errs   diag.List
	notes  []Note
	panicV any
	done   chan struct{}
}

// pipeline runs the analysis of one parse's objects on workers.
type pipeline struct {
	work   chan *job
	free   []*job // jobs whose results are committed, for reuse
	queue  []*job // dispatched, not yet committed, in input order
	depth  int
	busy   bool // committing: the reader's own additions need no sync
	frozen bool
	final  frozenState
}

// frozenState is the parse state when the error limit was reached.
type frozenState struct {
	errs  diag.List
	inErr error
	cutAt int
}

// newPipeline starts workers goroutines that analyse with opts (the
// namespace is each job's own).
func newPipeline(workers int, opts *Options) *pipeline {
	pl := &pipeline{
		work:  make(chan *job, workers*queuePerWorker),
		depth: workers * queuePerWorker,
	}
	for range workers {
		o := *opts
		wp := &blockParser{opts: &o, plan: &Plan{}, errs: &errList{}}
		go wp.work(pl.work)
	}
	return pl
}

// work analyses the jobs it receives until the channel is closed.
func (p *blockParser) work(jobs <-chan *job) {
	for j := range jobs {
		p.runJob(j)
		j.done <- struct{}{}
	}
}

func (p *blockParser) runJob(j *job) {
	defer func() {
		if r := recover(); r != nil {
			j.panicV = r // re-raised by the reader, where Parse recovers it
		}
	}()
	p.opts.Namespace = j.namespace
	p.errs.List = p.errs.List[:0]
	p.plan.Notes = p.plan.Notes[:0]
	j.objs = p.checkedAnalyse(j.obj, j.body)
	j.errs = append(j.errs[:0], p.errs.List...)
	j.notes = append(j.notes[:0], p.plan.Notes...)
}

// dispatch hands an object's body to a worker: the body's buffer goes with
// the job, and the parser reads the next body into the job's old one.
func (p *blockParser) dispatch(h header, obj *Object, body []bodyLine) {
	if p.pipe == nil {
		p.pipe = newPipeline(p.workers, p.opts)
	}
	pl := p.pipe
	if pl.frozen {
		return
	}
	for len(pl.queue) >= pl.depth {
		p.commit(true)
	}
	if pl.frozen {
		return
	}
	var j *job
	if n := len(pl.free); n > 0 {
		j, pl.free = pl.free[n-1], pl.free[:n-1]
	} else {
		j = &job{done: make(chan struct{}, 1)}
	}
	j.h, j.obj, j.namespace = h, obj, p.opts.Namespace
	j.body, p.body, p.handed = body, j.body[:0], true
	j.inErr, j.cutAt = p.in.err, p.in.cutAt
	pl.queue = append(pl.queue, j)
	pl.work <- j
	// commit what is done, so that the queue does not wait for its head
	for len(pl.queue) > 0 && !pl.frozen {
		select {
		case <-pl.queue[0].done:
			p.commitHead()
		default:
			return
		}
	}
}

// commit commits the oldest dispatched object, waiting for it if wait.
func (p *blockParser) commit(wait bool) {
	pl := p.pipe
	if len(pl.queue) == 0 {
		return
	}
	if !wait {
		select {
		case <-pl.queue[0].done:
		default:
			return
		}
	} else {
		<-pl.queue[0].done
	}
	p.commitHead()
}

// commitHead adds the results of the oldest dispatched object (done) to
// the parse, as the serial parse adds them.
func (p *blockParser) commitHead() {
	pl := p.pipe
	j := pl.queue[0]
	pl.queue = pl.queue[1:]
	if j.panicV != nil {
		panic(j.panicV)
	}
	pl.busy = true
	p.errs.List = append(p.errs.List, j.errs...)
	p.plan.Notes = append(p.plan.Notes, j.notes...)
	p.added(j.h, j.objs)
	pl.busy = false
	if len(p.errs.List) >= maxErrors {
		// a serial parse stops reading here
		pl.frozen = true
		pl.final = frozenState{errs: append(diag.List(nil), p.errs.List...), inErr: j.inErr, cutAt: j.cutAt}
		pl.drop()
		return
	}
	j.obj, j.objs, j.body = nil, nil, j.body[:0]
	clear(j.errs)
	clear(j.notes)
	pl.free = append(pl.free, j)
}

// drop waits for the queued jobs, whose results are not wanted.
func (pl *pipeline) drop() {
	for _, j := range pl.queue {
		<-j.done
	}
	pl.queue = nil
}

// sync commits every dispatched object, so that what the reader adds
// next comes after them. It is a no-op without a pipeline.
func (p *blockParser) sync() {
	if p.pipe == nil || p.pipe.busy {
		return
	}
	for len(p.pipe.queue) > 0 && !p.pipe.frozen {
		p.commit(true)
	}
}

// frozen reports whether the error limit was reached in a commit: the
// reader stops.
func (p *blockParser) frozen() bool { return p.pipe != nil && p.pipe.frozen }

// finish commits what is left and stops the workers; if the error limit
// was reached, the parse state is set back to what it was then.
func (p *blockParser) finish() {
	pl := p.pipe
	if pl == nil {
		return
	}
	p.sync()
	p.stop()
	if pl.frozen {
		p.errs.List = pl.final.errs
		p.in.err, p.in.cutAt = pl.final.inErr, pl.final.cutAt
	}
}

// stop waits for the queued jobs and ends the workers (also when the
// parse panics).
func (p *blockParser) stop() {
	if pl := p.pipe; pl != nil {
		p.pipe = nil
		pl.drop()
		close(pl.work)
	}
}
