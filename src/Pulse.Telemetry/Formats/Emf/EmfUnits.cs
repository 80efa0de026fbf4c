namespace Pulse.Telemetry.Formats.Emf;

/// <summary>
/// CloudWatch units (EMF rules §5) for OpenTelemetry's UCUM units, as the OpenTelemetry collector's EMF
/// exporter maps them (<c>ms</c>, <c>s</c>, <c>us</c>, <c>By</c>, <c>bit</c>), plus percent. A unit that is only
/// an annotation (<c>{order}</c>) counts things; anything else has no CloudWatch unit and is published as
/// <c>None</c>, since CloudWatch rejects units outside its list.
/// </summary>
internal static class EmfUnits
{
    public const string Count = "Count";
    public const string None = "None";

    public static string FromUcum(string? unit) => unit switch
    {
        "s" => "Seconds",
        "ms" => "Milliseconds",
        "us" => "Microseconds",
        "By" => "Bytes",
        "bit" => "Bits",
        "%" => "Percent",
        ['{', .., '}'] => Count,
        _ => None,
    };
}
