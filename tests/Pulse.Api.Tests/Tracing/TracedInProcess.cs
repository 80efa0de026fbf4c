namespace Pulse.Api.Tests.Tracing;

/// <summary>
/// Tests that run a traced service in this process run alone, one after another. A TracerProvider listens to
/// activity sources by name (<c>Microsoft.AspNetCore</c>, <c>Npgsql</c>), which every host in the process shares: with
/// a traced host alive, the requests of every other host would be sampled too, and an untraced host's test could no
/// longer show that nothing listens. In production there is one host per process.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracedInProcess
{
    public const string Name = "Tracing (alone in the process)";
}
