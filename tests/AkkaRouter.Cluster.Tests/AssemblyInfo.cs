// The scenarios measure failure-detection times: two clusters competing for 2 cores would measure
// the machine, not the settings. One test class at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
