package dev.mediaplane.policy;

import java.util.Set;

/** Pulumi type tokens of com.pulumi:gcp 7.0.0 that the policies read. */
final class GcpTypes {
    static final String INSTANCE_TEMPLATE = "gcp:compute/instanceTemplate:InstanceTemplate";
    static final String REGION_INSTANCE_TEMPLATE = "gcp:compute/regionInstanceTemplate:RegionInstanceTemplate";
    static final String INSTANCE = "gcp:compute/instance:Instance";
    static final String FIREWALL = "gcp:compute/firewall:Firewall";
    static final String SUBNETWORK = "gcp:compute/subnetwork:Subnetwork";
    static final String SA_KEY = "gcp:serviceaccount/key:Key";
    static final String PROJECT_IAM_MEMBER = "gcp:projects/iAMMember:IAMMember";
    static final String PROJECT_IAM_BINDING = "gcp:projects/iAMBinding:IAMBinding";
    static final String PROJECT_IAM_POLICY = "gcp:projects/iAMPolicy:IAMPolicy";
    static final String BUCKET = "gcp:storage/bucket:Bucket";
    static final String BUCKET_IAM_MEMBER = "gcp:storage/bucketIAMMember:BucketIAMMember";
    static final String BUCKET_IAM_BINDING = "gcp:storage/bucketIAMBinding:BucketIAMBinding";
    static final String BUCKET_IAM_POLICY = "gcp:storage/bucketIAMPolicy:BucketIAMPolicy";
    static final String BUCKET_ACL = "gcp:storage/bucketAccessControl:BucketAccessControl";
    static final String DEFAULT_OBJECT_ACL = "gcp:storage/defaultObjectAccessControl:DefaultObjectAccessControl";
    static final String OBJECT_ACL = "gcp:storage/objectAccessControl:ObjectAccessControl";
    static final String SECRET_VERSION = "gcp:secretmanager/secretVersion:SecretVersion";
    static final String LOG_METRIC = "gcp:logging/metric:Metric";
    static final String ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy";

    /** Everything that boots a VM: templates carry the same inputs as instances. */
    static final Set<String> VM = Set.of(INSTANCE_TEMPLATE, REGION_INSTANCE_TEMPLATE, INSTANCE);

    private GcpTypes() {}
}
