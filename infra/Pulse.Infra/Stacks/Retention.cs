using Amazon.CDK;
using Amazon.CDK.AWS.Logs;
using Pulse.Infra.Settings;

namespace Pulse.Infra.Stacks;

/// <summary>Log retention and what happens to logs when a stack is deleted.</summary>
internal static class Retention
{
    /// <summary>CDK's names for the retention periods CloudWatch Logs accepts (jsii enums carry names, not day counts).</summary>
    private static readonly Dictionary<int, RetentionDays> ByDays = new()
    {
        [1] = RetentionDays.ONE_DAY, [3] = RetentionDays.THREE_DAYS, [5] = RetentionDays.FIVE_DAYS,
        [7] = RetentionDays.ONE_WEEK, [14] = RetentionDays.TWO_WEEKS, [30] = RetentionDays.ONE_MONTH,
        [60] = RetentionDays.TWO_MONTHS, [90] = RetentionDays.THREE_MONTHS, [120] = RetentionDays.FOUR_MONTHS,
        [150] = RetentionDays.FIVE_MONTHS, [180] = RetentionDays.SIX_MONTHS, [365] = RetentionDays.ONE_YEAR,
        [400] = RetentionDays.THIRTEEN_MONTHS, [545] = RetentionDays.EIGHTEEN_MONTHS, [731] = RetentionDays.TWO_YEARS,
        [1096] = RetentionDays.THREE_YEARS, [1827] = RetentionDays.FIVE_YEARS, [2192] = RetentionDays.SIX_YEARS,
        [2557] = RetentionDays.SEVEN_YEARS, [2922] = RetentionDays.EIGHT_YEARS, [3288] = RetentionDays.NINE_YEARS,
        [3653] = RetentionDays.TEN_YEARS,
    };

    public static RetentionDays Of(EnvironmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return ByDays.TryGetValue(settings.LogRetentionDays, out var days)
            ? days
            : throw new InvalidSettingsException([$"{settings.Name}.logRetentionDays {settings.LogRetentionDays} is not a retention CloudWatch Logs accepts."]);
    }

    /// <summary>Production keeps its logs when the stack goes away; development cleans up.</summary>
    public static RemovalPolicy RemovalPolicyOf(EnvironmentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.RetainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    }
}
