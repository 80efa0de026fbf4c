using System.Net;
using System.Text.RegularExpressions;

namespace Pulse.Infra.Settings;

/// <summary>
/// Combinations that cannot deploy or cannot work, caught before any construct exists. Each message names
/// the context key to change (<c>&lt;environment&gt;.&lt;setting&gt;</c>).
/// </summary>
internal static partial class SettingsValidator
{
    /// <summary>Retention periods CloudWatch Logs accepts (PutRetentionPolicy).</summary>
    public static IReadOnlyList<int> LogRetentionDaysAllowed { get; } =
        [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

    /// <summary>
    /// Fargate CPU units and the memory sizes (MiB) each allows
    /// (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html, task CPU and memory).
    /// </summary>
    public static IReadOnlyDictionary<int, IReadOnlyList<int>> FargateSizes { get; } = new Dictionary<int, IReadOnlyList<int>>
    {
        [256] = [512, 1024, 2048],
        [512] = Steps(1024, 4096, 1024),
        [1024] = Steps(2048, 8192, 1024),
        [2048] = Steps(4096, 16384, 1024),
        [4096] = Steps(8192, 30720, 1024),
        [8192] = Steps(16384, 61440, 4096),
        [16384] = Steps(32768, 122880, 8192),
    };

    public static IReadOnlyList<string> Validate(EnvironmentSettings s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var e = new List<string>();
        string Key(string setting) => $"{s.Name}.{setting}";

        if (!NamePattern().IsMatch(s.Name))
        {
            e.Add($"Environment name '{s.Name}' must be lower-case letters and digits, starting with a letter.");
        }

        if (!RegionPattern().IsMatch(s.Region))
        {
            e.Add($"{Key("region")} '{s.Region}' is not a region name such as eu-central-1.");
        }

        if (s.Account is not null && !AccountPattern().IsMatch(s.Account))
        {
            e.Add($"{Key("account")} '{s.Account}' must be a 12-digit AWS account id.");
        }

        ValidateNetwork(s, e, Key);
        ValidateService(s, e, Key);
        ValidateDatabase(s, e, Key);

        if (s.Https && s.CertificateArn is null)
        {
            e.Add($"{Key("https")} is true but {Key("certificateArn")} is not set: the HTTPS listener needs an ACM certificate ARN (arn:aws:acm:{s.Region}:<account>:certificate/<id>).");
        }

        if (!s.Https && s.CertificateArn is not null)
        {
            e.Add($"{Key("certificateArn")} is set but {Key("https")} is false: set {Key("https")}=true to serve HTTPS, or remove the certificate.");
        }

        if (s.CertificateArn is not null)
        {
            var match = CertificatePattern().Match(s.CertificateArn);
            if (!match.Success)
            {
                e.Add($"{Key("certificateArn")} '{s.CertificateArn}' is not an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>).");
            }
            else if (match.Groups["region"].Value != s.Region)
            {
                e.Add($"{Key("certificateArn")} is in {match.Groups["region"].Value} but the load balancer is in {s.Region}: an ALB needs a certificate from its own region.");
            }
        }

        if (!LogRetentionDaysAllowed.Contains(s.LogRetentionDays))
        {
            e.Add($"{Key("logRetentionDays")} {s.LogRetentionDays} is not a retention CloudWatch Logs accepts: {string.Join(", ", LogRetentionDaysAllowed)}.");
        }

        foreach (var (name, email) in new[] { ("alarmEmail", s.AlarmEmail), ("pageEmail", s.PageEmail) })
        {
            if (email is null)
            {
                continue;
            }

            if (!EmailPattern().IsMatch(email))
            {
                e.Add($"{Key(name)} '{email}' is not an e-mail address.");
            }
            else if (!s.Alarms)
            {
                e.Add($"{Key(name)} is set but {Key("alarms")} is false: nothing would ever be sent. Set {Key("alarms")}=true or remove the address.");
            }
        }

        if (s.PrometheusOnAws && !ImagePattern().IsMatch(s.AdotCollectorImage))
        {
            e.Add($"{Key("adotCollectorImage")} '{s.AdotCollectorImage}' must be an image reference with an explicit tag.");
        }

        return e;
    }

    private static void ValidateNetwork(EnvironmentSettings s, List<string> e, Func<string, string> key)
    {
        if (s.ExistingVpc is { } vpc)
        {
            if (!VpcIdPattern().IsMatch(vpc.VpcId))
            {
                e.Add($"{key("vpcId")} '{vpc.VpcId}' is not a VPC id (vpc-...).");
            }

            if (vpc.AvailabilityZones.Count is < 2 or > 3)
            {
                e.Add($"{key("vpcAvailabilityZones")} must list 2 or 3 zones (got {vpc.AvailabilityZones.Count}).");
            }

            foreach (var (name, ids) in new[] { ("vpcPublicSubnetIds", vpc.PublicSubnetIds), ("vpcAppSubnetIds", vpc.AppSubnetIds), ("vpcDatabaseSubnetIds", vpc.DatabaseSubnetIds) })
            {
                if (ids.Count != vpc.AvailabilityZones.Count)
                {
                    e.Add($"{key(name)} must list one subnet per zone of {key("vpcAvailabilityZones")} ({vpc.AvailabilityZones.Count}), got {ids.Count}.");
                }

                foreach (var id in ids.Where(id => !SubnetIdPattern().IsMatch(id)))
                {
                    e.Add($"{key(name)}: '{id}' is not a subnet id (subnet-...).");
                }
            }

            return;
        }

        if (s.AzCount is < 2 or > 3)
        {
            e.Add($"{key("azCount")} must be 2 or 3 (got {s.AzCount}): the load balancer and the database subnet group need two zones.");
        }

        if (s.AvailabilityZones.Count > 0 && s.AvailabilityZones.Count != s.AzCount)
        {
            e.Add($"{key("availabilityZones")} lists {s.AvailabilityZones.Count} zones but {key("azCount")} is {s.AzCount}.");
        }

        foreach (var zone in s.AvailabilityZones.Where(z => !z.StartsWith(s.Region, StringComparison.Ordinal) || z.Length != s.Region.Length + 1))
        {
            e.Add($"{key("availabilityZones")}: '{zone}' is not a zone of {s.Region}.");
        }

        if (s.NatGateways < 1 || s.NatGateways > s.AzCount)
        {
            e.Add($"{key("natGateways")} must be between 1 and {key("azCount")} ({s.AzCount}), got {s.NatGateways}: tasks in the private subnets reach ECR, Secrets Manager and CloudWatch through NAT.");
        }

        var cidr = s.VpcCidr.Split('/');
        if (cidr.Length != 2 || !IPAddress.TryParse(cidr[0], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(cidr[1], System.Globalization.CultureInfo.InvariantCulture, out var mask))
        {
            e.Add($"{key("vpcCidr")} '{s.VpcCidr}' is not an IPv4 CIDR block.");
        }
        else if (mask is < 16 or > 20)
        {
            e.Add($"{key("vpcCidr")} '{s.VpcCidr}' must have a prefix between /16 and /20 to fit three tiers of subnets in {s.AzCount} zones.");
        }
    }

    private static void ValidateService(EnvironmentSettings s, List<string> e, Func<string, string> key)
    {
        if (s.ImageTag is { } tag)
        {
            if (!ImageTagPattern().IsMatch(tag))
            {
                e.Add($"{key("imageTag")} '{tag}' is not a valid image tag.");
            }
            else if (string.Equals(tag, "latest", StringComparison.OrdinalIgnoreCase))
            {
                // The repository's tags are immutable and CI pushes commit ids: "latest" never exists there,
                // and a service rolled to it starts no task.
                e.Add($"{key("imageTag")} 'latest' is refused: the repository holds immutable commit tags and no 'latest'. Deploy the commit CI pushed: -c {key("imageTag")}=<commit>.");
            }
        }

        if (!FargateSizes.TryGetValue(s.TaskCpu, out var memories))
        {
            e.Add($"{key("taskCpu")} {s.TaskCpu} is not a Fargate CPU size: {string.Join(", ", FargateSizes.Keys)}.");
        }
        else if (!memories.Contains(s.TaskMemoryMiB))
        {
            e.Add($"{key("taskMemoryMiB")} {s.TaskMemoryMiB} does not go with {key("taskCpu")} {s.TaskCpu}: Fargate allows {string.Join(", ", memories)} MiB.");
        }

        if (s.Autoscaling)
        {
            if (s.MinTasks < 1)
            {
                e.Add($"{key("minTasks")} must be at least 1 (got {s.MinTasks}).");
            }

            if (s.MinTasks > s.MaxTasks)
            {
                e.Add($"{key("minTasks")} ({s.MinTasks}) is greater than {key("maxTasks")} ({s.MaxTasks}).");
            }
        }
        else if (s.DesiredTasks < 1)
        {
            e.Add($"{key("desiredTasks")} must be at least 1 when {key("autoscaling")} is false (got {s.DesiredTasks}).");
        }

        // ECS: minimum 0-100, maximum above the minimum and at least 100 for a rolling deployment to start
        // new tasks (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html).
        if (s.MinHealthyPercent is < 0 or > 100)
        {
            e.Add($"{key("minHealthyPercent")} must be between 0 and 100 (got {s.MinHealthyPercent}).");
        }

        if (s.MaxHealthyPercent is < 100 or > 400 || s.MaxHealthyPercent <= s.MinHealthyPercent)
        {
            e.Add($"{key("maxHealthyPercent")} ({s.MaxHealthyPercent}) must be between 100 and 400 and above {key("minHealthyPercent")} ({s.MinHealthyPercent}), or a rolling deployment cannot start a new task.");
        }

        if (s.SpotPercent is < 0 or > 100)
        {
            e.Add($"{key("spotPercent")} must be between 0 and 100 (got {s.SpotPercent}).");
        }

        foreach (var (name, value) in new[] { ("cpuTargetPercent", s.CpuTargetPercent), ("memoryTargetPercent", s.MemoryTargetPercent) })
        {
            if (value is < 10 or > 90)
            {
                e.Add($"{key(name)} must be between 10 and 90 (got {value}).");
            }
        }

        if (s.RequestsPerTarget < 1)
        {
            e.Add($"{key("requestsPerTarget")} must be positive (got {s.RequestsPerTarget}).");
        }

        if (s.EcsExec && s.ReadOnlyRootFilesystem)
        {
            // https://docs.aws.amazon.com/AmazonECS/latest/developerguide/ecs-exec.html (considerations):
            // the SSM agent must write to the container filesystem, so ECS Exec does not work read-only.
            e.Add($"{key("ecsExec")} needs a writable root filesystem (the SSM agent writes into the container): set {key("readOnlyRootFilesystem")}=false as well, or leave ECS Exec off.");
        }
    }

    private static void ValidateDatabase(EnvironmentSettings s, List<string> e, Func<string, string> key)
    {
        if (!InstanceClassPattern().IsMatch(s.DatabaseInstanceClass))
        {
            e.Add($"{key("databaseInstanceClass")} '{s.DatabaseInstanceClass}' is not an instance class such as t4g.micro (without the db. prefix).");
        }

        if (s.DatabaseStorageGiB is < 20 or > 65536)
        {
            e.Add($"{key("databaseStorageGiB")} must be between 20 and 65536 GiB for gp3 (got {s.DatabaseStorageGiB}).");
        }

        if (s.DatabaseMaxStorageGiB < s.DatabaseStorageGiB)
        {
            e.Add($"{key("databaseMaxStorageGiB")} ({s.DatabaseMaxStorageGiB}) is below {key("databaseStorageGiB")} ({s.DatabaseStorageGiB}).");
        }

        if (s.BackupRetentionDays is < 1 or > 35)
        {
            e.Add($"{key("backupRetentionDays")} must be between 1 and 35 (got {s.BackupRetentionDays}); 0 would switch automated backups off.");
        }

        if (s.SecretRotationDays is < 1 or > 365)
        {
            e.Add($"{key("secretRotationDays")} must be between 1 and 365 (got {s.SecretRotationDays}).");
        }
    }

    private static int[] Steps(int from, int to, int step) =>
        Enumerable.Range(0, ((to - from) / step) + 1).Select(i => from + (i * step)).ToArray();

    [GeneratedRegex("^[a-z][a-z0-9]{0,15}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[a-z]{2}(-[a-z]+)+-\d$")]
    private static partial Regex RegionPattern();

    [GeneratedRegex(@"^\d{12}$")]
    private static partial Regex AccountPattern();

    [GeneratedRegex(@"^arn:aws[a-z-]*:acm:(?<region>[a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]+$")]
    private static partial Regex CertificatePattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^vpc-[0-9a-f]{8,17}$")]
    private static partial Regex VpcIdPattern();

    [GeneratedRegex(@"^subnet-[0-9a-f]{8,17}$")]
    private static partial Regex SubnetIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex ImageTagPattern();

    [GeneratedRegex(@"^[a-z0-9.-]+(:\d+)?(/[a-z0-9._-]+)+:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex ImagePattern();

    [GeneratedRegex(@"^[a-z][a-z0-9]*\.[a-z0-9]+$")]
    private static partial Regex InstanceClassPattern();
}

/// <summary>Settings that cannot deploy; synthesis stops with every problem listed.</summary>
internal sealed class InvalidSettingsException(IReadOnlyList<string> errors)
    : Exception("Invalid deployment settings:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(m => "  - " + m)))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
