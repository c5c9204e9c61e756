using Xunit.Sdk;

namespace AkkaRouter.Cluster.Tests.Harness;

/// <summary>Position of a scenario in a class whose scenarios share one cluster and run in this order.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ScenarioAttribute(int order) : Attribute
{
    public int Order { get; } = order;
}

/// <summary>Runs a class's tests in <see cref="ScenarioAttribute"/> order (xunit's default order is undefined).</summary>
public sealed class ScenarioOrderer : ITestCaseOrderer
{
    public const string Name = "AkkaRouter.Cluster.Tests.Harness.ScenarioOrderer";
    public const string Assembly = "AkkaRouter.Cluster.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases) where TTestCase : ITestCase =>
        testCases.OrderBy(t => t.TestMethod.Method
            .GetCustomAttributes(typeof(ScenarioAttribute).AssemblyQualifiedName!)
            .Select(a => (int)a.GetConstructorArguments().First())
            .DefaultIfEmpty(int.MaxValue)
            .First());
}
