package classify

// Amend brings a result up to date after findings were added to its
// objects, or objects to it, by something that knows more than the rules
// (package cluster adds the API server's answers): each object's level,
// rule and reason become those of its highest finding, the result's
// highest level follows, and the objects are ordered again. Levels only
// rise: a finding added never lowers what the others say. The objects'
// actions and culprits are the adder's to set.
func (r *Result) Amend() {
	for _, o := range r.Objects {
		for _, f := range o.Findings {
			if f.Level > o.Level || o.Rule == "" {
				o.Level, o.Reason, o.Rule = f.Level, f.Reason, f.Rule
			}
		}
		r.Highest = max(r.Highest, o.Level)
	}
	sortObjects(r.Objects)
}
