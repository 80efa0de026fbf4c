using Xunit.Abstractions;
using Xunit.Sdk;

namespace Pulse.Stack.Tests.Containers;

/// <summary>The place of a test among the steps of its class, for classes that follow one thing through its life.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute(int number) : Attribute
{
    public int Number { get; } = number;
}

/// <summary>Runs a class's tests in the order of their <see cref="StepAttribute"/> (xunit runs them in any order otherwise).</summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string TypeName = "Pulse.Stack.Tests.Containers.StepOrderer";
    public const string AssemblyName = "Pulse.Stack.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases.OrderBy(test => test.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName)
            .Select(step => step.GetConstructorArguments().Cast<int>().Single())
            .DefaultIfEmpty(int.MaxValue)
            .Single());
}
