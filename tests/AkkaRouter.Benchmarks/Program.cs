using AkkaRouter.Benchmarks;

if (args is ["distribution", ..])
{
    DistributionCheck.Run();
}
else
{
    BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
