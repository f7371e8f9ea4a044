//! The server's operating-system account, read from `/etc/passwd` and
//! `/etc/group` through a [`Source`]: PostgreSQL's key rule and every "can
//! the server read this file" question depend on the uid, the primary group
//! and the supplementary groups of the account the server runs as, not on
//! who runs `pgtls check`.
//!
//! Accounts that come only from NSS services other than the files (LDAP,
//! SSSD) are not seen; the caller then gets `None` and says so.

use std::path::Path;

use pgtls_config::Source;

/// An account as the kernel sees the server process: uid, primary gid and
/// supplementary gids (as `initgroups` sets them when the server is started
/// by systemd or `pg_ctlcluster`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups (without the primary one).
    pub groups: Vec<u32>,
}

impl Account {
    /// Whether the account belongs to `gid`, as primary or supplementary group.
    pub fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }
}

/// The account database (`/etc/passwd` and `/etc/group`).
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    users: Vec<(String, u32, u32)>,
    groups: Vec<(String, u32, Vec<String>)>,
}

impl Accounts {
    /// Reads `/etc/passwd` and `/etc/group`; unreadable files give an empty
    /// database.
    pub fn load(source: &dyn Source) -> Accounts {
        let passwd = source.read(Path::new("/etc/passwd")).unwrap_or_default();
        let group = source.read(Path::new("/etc/group")).unwrap_or_default();
        Accounts::parse(&passwd, &group)
    }

    /// Parses the two files' texts.
    pub fn parse(passwd: &str, group: &str) -> Accounts {
        let mut users = Vec::new();
        for line in passwd.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 4 || f[0].starts_with('#') || f[0].starts_with('+') {
                continue;
            }
            if let (Ok(uid), Ok(gid)) = (f[2].parse(), f[3].parse()) {
                users.push((f[0].to_string(), uid, gid));
            }
        }
        let mut groups = Vec::new();
        for line in group.lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() < 3 || f[0].starts_with('#') || f[0].starts_with('+') {
                continue;
            }
            if let Ok(gid) = f[2].parse() {
                let members = f
                    .get(3)
                    .map(|m| {
                        m.split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                groups.push((f[0].to_string(), gid, members));
            }
        }
        Accounts { users, groups }
    }

    fn account(&self, name: &str, uid: u32, gid: u32) -> Account {
        let groups = self
            .groups
            .iter()
            .filter(|(_, g, members)| *g != gid && members.iter().any(|m| m == name))
            .map(|(_, g, _)| *g)
            .collect();
        Account {
            name: name.to_string(),
            uid,
            gid,
            groups,
        }
    }

    /// The account named `name`.
    pub fn by_name(&self, name: &str) -> Option<Account> {
        self.users
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(n, uid, gid)| self.account(n, *uid, *gid))
    }

    /// The first account with uid `uid`.
    pub fn by_uid(&self, uid: u32) -> Option<Account> {
        self.users
            .iter()
            .find(|(_, u, _)| *u == uid)
            .map(|(n, uid, gid)| self.account(n, *uid, *gid))
    }

    /// A user's name, or the number when unknown.
    pub fn user_name(&self, uid: u32) -> String {
        self.users
            .iter()
            .find(|(_, u, _)| *u == uid)
            .map_or_else(|| uid.to_string(), |(n, _, _)| n.clone())
    }

    /// A group's name, or the number when unknown.
    pub fn group_name(&self, gid: u32) -> String {
        self.groups
            .iter()
            .find(|(_, g, _)| *g == gid)
            .map_or_else(|| gid.to_string(), |(n, _, _)| n.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supplementary_groups_come_from_the_member_lists() {
        let a = Accounts::parse(
            "root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL:/var/lib/postgresql:/bin/bash\nbroken line\n",
            "root:x:0:\nssl-cert:x:103:postgres\npostgres:x:104:\nother:x:7:alice, postgres\n",
        );
        let pg = a.by_name("postgres").unwrap();
        assert_eq!((pg.uid, pg.gid), (101, 104));
        assert_eq!(pg.groups, vec![103, 7]);
        assert!(pg.in_group(104) && pg.in_group(103) && !pg.in_group(0));
        assert_eq!(a.by_uid(101).unwrap().name, "postgres");
        assert_eq!(a.group_name(103), "ssl-cert");
        assert_eq!(a.group_name(999), "999");
        assert_eq!(a.user_name(0), "root");
        assert!(a.by_name("nobody").is_none());
    }
}
