using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.RDS;
using Constructs;
using Pulse.Infra.Constructs;
using Pulse.Infra.Settings;

namespace Pulse.Infra.Stacks;

/// <summary>
/// PostgreSQL 16 on RDS in the isolated subnets: encrypted, not public, credentials generated into Secrets
/// Manager and rotated, automated backups; multi-AZ and deletion protection where the settings ask.
/// Only the service (and the rotation function) may connect; the service stack adds its own ingress rule.
/// </summary>
internal sealed class DataStack : Stack
{
    public const int PostgresPort = 5432;
    public const string MasterUsername = "pulse";

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

        // Created before the instance so that RDS writes into a group with retention instead of a never-expiring one.
        var postgresLog = new LogGroup(this, "PostgresLog", new LogGroupProps
        {
            LogGroupName = $"/aws/rds/instance/{identifier}/postgresql",
            Retention = Retention.Of(settings),
            RemovalPolicy = Retention.RemovalPolicyOf(settings),
        });

        Instance = new DatabaseInstance(this, "Database", new DatabaseInstanceProps
        {
            InstanceIdentifier = identifier,
            Engine = DatabaseInstanceEngine.Postgres(new PostgresInstanceEngineProps { Version = PostgresEngineVersion.VER_16_4 }),
            InstanceType = new Amazon.CDK.AWS.EC2.InstanceType(settings.DatabaseInstanceClass),
            Vpc = network.Vpc,
            VpcSubnets = network.DatabaseSubnets,
            SecurityGroups = [SecurityGroup],
            Port = PostgresPort,
            Credentials = Credentials.FromSecret(Secret),
            DatabaseName = ServiceContract.DatabaseName,
            StorageEncrypted = true,
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
            CloudwatchLogsExports = ["postgresql"],
            // Protected environments leave a final snapshot; development deletes the instance and its backups.
            RemovalPolicy = settings.RetainData ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
            DeleteAutomatedBackups = !settings.RetainData,
        });
        Instance.Node.AddDependency(postgresLog);

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

        _ = new CfnOutput(this, "DatabaseEndpoint", new CfnOutputProps { Value = Instance.DbInstanceEndpointAddress });
        _ = new CfnOutput(this, "DatabaseSecretArn", new CfnOutputProps { Value = Secret.SecretArn });
    }

    public SecurityGroup SecurityGroup { get; }

    public DatabaseSecret Secret { get; }

    public DatabaseInstance Instance { get; }

    public Amazon.CDK.AWS.SecretsManager.SecretRotation Rotation { get; }
}
