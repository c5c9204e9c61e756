using AkkaRouter.Benchmarks;

if (args is ["distribution", ..])
{
    DistributionCheck.Run();
}
else if (args is ["scale", .. var rest])
{
    ScaleCheck.Run(rest);
}
else
{
    BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
