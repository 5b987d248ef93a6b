//! Deployment tools and editors: FileZilla, WinSCP, SFTP/remote-sync configs, mRemoteNG, rclone, Ansible, Terraform state, kubeconfig, Jenkins, Tomcat.

use crate::Reader;

pub(crate) const READERS: &[Reader] = &[];
