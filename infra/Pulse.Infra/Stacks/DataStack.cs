using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.RDS;
using Constructs;
using Pulse.Infra.Constructs;
using Pulse.Infra.Settings;

namespace Pulse.Infra.Stacks;

/// <summary>
/// PostgreSQL on RDS in the isolated subnets: encrypted with the stack's key, not public, credentials
/// generated into Secrets Manager and rotated, automated backups, enhanced monitoring, both PostgreSQL log
/// types in CloudWatch Logs; multi-AZ and deletion protection where the settings ask. Only the service (and
/// the rotation function) may connect; the service stack adds its own ingress rule.
/// </summary>
internal sealed class DataStack : Stack
{
    public const int PostgresPort = 5432;
    public const string MasterUsername = "pulse";

    /// <summary>
    /// The PostgreSQL engine version, chosen here only. A full minor version RDS offers for new instances
    /// (cfn-lint W3691 flags deprecated ones, and a bare major such as "17"); minor upgrades then follow
    /// automatically in the maintenance window. The major version names the parameter group family.
    /// </summary>
    public const string PostgresVersion = "17.9";

    /// <summary>The major version of <see cref="PostgresVersion"/>.</summary>
    public const string PostgresMajorVersion = "17";

    /// <summary>The log types RDS for PostgreSQL can export, all of them (Control Tower CT.RDS.PR.14).</summary>
    public static IReadOnlyList<string> PostgresLogTypes { get; } = ["postgresql", "upgrade"];

    public DataStack(Construct scope, string id, EnvironmentSettings settings, NetworkStack? networkStack, IStackProps props)
        : base(scope, id, props)
    {
        var network = Network.For(this, settings, networkStack);
        var identifier = $"{settings.ResourcePrefix}-postgres";

        SecurityGroup = new SecurityGroup(this, "DatabaseSecurityGroup", new SecurityGroupProps
        {
            Vpc = network.Vpc,
            Description = "PostgreSQL: reachable only from the Pulse service and the secret rotation function",
            AllowAllOutbound = false,
        });

        // The RDS-managed JSON keys host, port, username, password, dbname feed Database:Postgres:* in the task.
        Secret = new DatabaseSecret(this, "DatabaseSecret", new DatabaseSecretProps
        {
            SecretName = $"{settings.ResourcePrefix}/database",
            Username = MasterUsername,
            Dbname = ServiceContract.DatabaseName,
        });

        // Encrypts the storage, its snapshots and the exported logs; retained with the data in protected environments.
        var logNames = PostgresLogTypes.ToDictionary(type => type, type => $"/aws/rds/instance/{identifier}/{type}");
        Key = new StackKey(this, "Encryption", settings, "RDS PostgreSQL storage, snapshots and logs", [.. logNames.Values]);

        // Created before the instance so that RDS writes into groups with retention instead of never-expiring ones.
        var logGroups = logNames.Select(pair => Key.LogGroup(this, pair.Key == "postgresql" ? "PostgresLog" : "PostgresUpgradeLog", pair.Value)).ToList();

        Instance = new DatabaseInstance(this, "Database", new DatabaseInstanceProps
        {
            InstanceIdentifier = identifier,
            Engine = DatabaseInstanceEngine.Postgres(new PostgresInstanceEngineProps { Version = PostgresEngineVersion.Of(PostgresVersion, PostgresMajorVersion) }),
            InstanceType = new Amazon.CDK.AWS.EC2.InstanceType(settings.DatabaseInstanceClass),
            Vpc = network.Vpc,
            VpcSubnets = network.DatabaseSubnets,
            SecurityGroups = [SecurityGroup],
            Port = PostgresPort,
            Credentials = Credentials.FromSecret(Secret),
            DatabaseName = ServiceContract.DatabaseName,
            StorageEncrypted = true,
            StorageEncryptionKey = Key.Key,
            // IAM database authentication only admits IAM principals in addition to passwords; nothing changes
            // for the service, which logs in with the rotated password (Control Tower CT.RDS.PR.7).
            IamAuthentication = true,
            // Enhanced monitoring: OS metrics (memory, swap, processes) next to the instance's CloudWatch metrics.
            MonitoringInterval = Duration.Seconds(60),
            StorageType = StorageType.GP3,
            AllocatedStorage = settings.DatabaseStorageGiB,
            MaxAllocatedStorage = settings.DatabaseMaxStorageGiB,
            PubliclyAccessible = false,
            MultiAz = settings.DatabaseMultiAz,
            DeletionProtection = settings.DeletionProtection,
            BackupRetention = Duration.Days(settings.BackupRetentionDays),
            PreferredBackupWindow = "02:00-03:00",
            PreferredMaintenanceWindow = "sun:03:30-sun:04:30",
            AutoMinorVersionUpgrade = true,
            CopyTagsToSnapshot = true,
            CloudwatchLogsExports = [.. PostgresLogTypes],
            // Protected environments leave a final snapshot; development deletes the instance and its backups.
            RemovalPolicy = settings.RetainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
            DeleteAutomatedBackups = !settings.RetainData,
        });
        foreach (var group in logGroups)
        {
            Instance.Node.AddDependency(group);
        }

        // Single-user rotation by the Secrets Manager rotation application; the function runs in the app
        // subnets (it needs the Secrets Manager API through NAT) and is admitted to the database port.
        Rotation = Instance.AddRotationSingleUser(new RotationSingleUserOptions
        {
            AutomaticallyAfter = Duration.Days(settings.SecretRotationDays),
            VpcSubnets = network.AppSubnets,
        });

        var suppressions = new List<NagSuppression>
        {
            new("AwsSolutions-RDS11", "The default PostgreSQL port is kept: the instance is in isolated subnets and its security group admits only the service and the rotation function."),
        };
        if (!settings.DatabaseMultiAz)
        {
            suppressions.Add(new("AwsSolutions-RDS3", $"The databaseMultiAz setting of {settings.Name} chooses a single-AZ instance to save cost; the prod defaults run multi-AZ."));
        }

        if (!settings.DeletionProtection)
        {
            suppressions.Add(new("AwsSolutions-RDS10", $"The deletionProtection setting of {settings.Name} is off: dev is disposable, and prod switches it off only to be torn down (docs/deployment.md)."));
        }

        Nag.Suppress(Instance, [.. suppressions]);

        var guard = new List<GuardSuppression>
        {
            new("CT.RDS.PR.20", "The default PostgreSQL port is kept: the instance is in isolated subnets and its security group admits only the service and the rotation function; another port number adds no protection."),
        };
        if (!settings.DatabaseMultiAz)
        {
            guard.Add(new("CT.RDS.PR.1", $"{settings.Name}.databaseMultiAz is false: a development database need not survive the loss of a zone; prod runs multi-AZ."));
        }

        if (!settings.DeletionProtection)
        {
            guard.Add(new("CT.RDS.PR.13", $"{settings.Name}.deletionProtection is false: dev is disposable, and prod switches it off only to be torn down (docs/deployment.md)."));
        }

        if (settings.BackupRetentionDays < 7)
        {
            guard.Add(new("CT.RDS.PR.8", $"{settings.Name}.backupRetentionDays is {settings.BackupRetentionDays}: shorter than a week on purpose for this environment."));
        }

        Guard.Suppress(Instance, [.. guard]);

        // Enhanced monitoring's role uses the AWS-managed policy made for it.
        if (Instance.Node.TryFindChild("MonitoringRole") is IConstruct monitoringRole)
        {
            Nag.Suppress(
                monitoringRole,
                new NagSuppression("AwsSolutions-IAM4", "AmazonRDSEnhancedMonitoringRole is the AWS-managed policy RDS documents for enhanced monitoring; it only writes the RDSOSMetrics log group.", "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"));
        }

        _ = new CfnOutput(this, "DatabaseEndpoint", new CfnOutputProps { Value = Instance.DbInstanceEndpointAddress });
        _ = new CfnOutput(this, "DatabaseSecretArn", new CfnOutputProps { Value = Secret.SecretArn });
    }

    public SecurityGroup SecurityGroup { get; }

    public StackKey Key { get; }

    public DatabaseSecret Secret { get; }

    public DatabaseInstance Instance { get; }

    public Amazon.CDK.AWS.SecretsManager.SecretRotation Rotation { get; }
}
