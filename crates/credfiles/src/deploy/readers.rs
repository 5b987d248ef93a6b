//! The deploy group's readers, in the order they are tried.
//! Listed apart from the group's shared helpers (`mod.rs`), which the
//! readers use, so the modules depend one way.

use super::*;
use crate::model::Reader;

pub(crate) const READERS: &[Reader] = &[
    Reader {
        family: "terraform-state",
        rule_ids: &["terraform-state-secret"],
        recognise: terraform::recognise,
        read: terraform::read,
    },
    Reader {
        family: "terraform-tfvars",
        rule_ids: &["terraform-tfvars-secret"],
        recognise: tfvars::recognise,
        read: tfvars::read,
    },
    Reader {
        family: "kubeconfig",
        rule_ids: &["kubeconfig-user-token", "kubeconfig-client-key-data"],
        recognise: kubeconfig::recognise,
        read: kubeconfig::read,
    },
    Reader {
        family: "ansible-inventory-ini",
        rule_ids: &["ansible-inventory-password", "ansible-vars-secret"],
        recognise: ansible::recognise_ini,
        read: ansible::read_ini,
    },
    Reader {
        family: "ansible-vars",
        rule_ids: &["ansible-inventory-password", "ansible-vars-secret"],
        recognise: ansible::recognise_yaml,
        read: ansible::read_yaml,
    },
    Reader {
        family: "jenkins",
        rule_ids: &["jenkins-encrypted-secret", "jenkins-credential-plain"],
        recognise: jenkins::recognise,
        read: jenkins::read,
    },
    Reader {
        family: "tomcat-users",
        rule_ids: &["tomcat-users-password"],
        recognise: jenkins::recognise_tomcat,
        read: jenkins::read_tomcat,
    },
    Reader {
        family: "filezilla",
        rule_ids: &["filezilla-password-base64", "filezilla-password-plain"],
        recognise: ftp::recognise_filezilla,
        read: ftp::read_filezilla,
    },
    Reader {
        family: "winscp",
        rule_ids: &["winscp-ini-password"],
        recognise: ftp::recognise_winscp,
        read: ftp::read_winscp,
    },
    Reader {
        family: "rclone",
        rule_ids: &["rclone-config-password", "rclone-config-secret"],
        recognise: rclone::recognise,
        read: rclone::read,
    },
    Reader {
        family: "sftp-config",
        rule_ids: &["sftp-config-password"],
        recognise: ftp::recognise_sftp,
        read: ftp::read_sftp,
    },
    Reader {
        family: "mremoteng",
        rule_ids: &["mremoteng-password"],
        recognise: remote::recognise,
        read: remote::read,
    },
    Reader {
        family: "docker-compose",
        rule_ids: &["compose-environment-secret"],
        recognise: manifests::recognise_compose,
        read: manifests::read_compose,
    },
    Reader {
        family: "kubernetes-secret",
        rule_ids: &["kubernetes-secret-data"],
        recognise: manifests::recognise_k8s_secret,
        read: manifests::read_k8s_secret,
    },
    Reader {
        family: "cloud-init",
        rule_ids: &["cloud-init-password"],
        recognise: manifests::recognise_cloud_init,
        read: manifests::read_cloud_init,
    },
    Reader {
        family: "vagrantfile",
        rule_ids: &["vagrantfile-password"],
        recognise: manifests::recognise_vagrantfile,
        read: manifests::read_vagrantfile,
    },
    Reader {
        family: "helm-values",
        rule_ids: &["helm-values-secret"],
        recognise: manifests::recognise_helm_values,
        read: manifests::read_helm_values,
    },
];
