using Microsoft.Extensions.Options;

namespace Pulse.Api.Http;

/// <summary>Settings of the <c>Api</c> section (documented in docs/configuration.md, "Database and API limits").</summary>
internal sealed class ApiOptions
{
    public const string SectionName = "Api";

    public const long DefaultMaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Largest request body the JSON endpoints read; a larger one is answered 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = DefaultMaxRequestBodyBytes;
}

internal sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    public const long MinBodyBytes = 1024;
    public const long MaxBodyBytes = 100 * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, ApiOptions options) =>
        options.MaxRequestBodyBytes is < MinBodyBytes or > MaxBodyBytes
            ? ValidateOptionsResult.Fail($"Api:MaxRequestBodyBytes must be between {MinBodyBytes} and {MaxBodyBytes} (was {options.MaxRequestBodyBytes}).")
            : ValidateOptionsResult.Success;
}
