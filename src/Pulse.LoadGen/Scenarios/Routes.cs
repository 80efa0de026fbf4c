namespace Pulse.LoadGen.Scenarios;

/// <summary>
/// The service's route templates, exactly as its <c>endpoint</c> metric label shows them
/// (docs/metrics.md; the CRUD API in the project's contracts). The summary groups by these.
/// </summary>
internal static class Routes
{
    public const string Root = "/";
    public const string Welcome = "/Welcome";
    public const string Error = "/error";
    public const string Products = "/products";
    public const string Product = "/products/{id}";
    public const string Tasks = "/tasks";
    public const string Task = "/tasks/{id}";

    /// <summary>Probed once before a run to tell an unreachable target (exit code 3) from a failing one.</summary>
    public const string Liveness = "/health/live";
}
