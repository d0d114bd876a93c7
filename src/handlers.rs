//! The front door: each client's handlers, one per area of the API. Here,
//! above both the clients and the areas, so that neither depends on the
//! other for it.

use crate::{
    Client, batches::Batches, delivery_reports::DeliveryReports, groups::Groups, inbounds::Inbounds,
};

impl Client {
    /// Send, inspect and change batches.
    pub fn batches(&self) -> Batches<Self> {
        Batches::new(self.clone())
    }

    /// Delivery reports of batches and recipients.
    pub fn delivery_reports(&self) -> DeliveryReports<Self> {
        DeliveryReports::new(self.clone())
    }

    /// Groups of recipients.
    pub fn groups(&self) -> Groups<Self> {
        Groups::new(self.clone())
    }

    /// Inbound (mobile originated) messages.
    pub fn inbounds(&self) -> Inbounds<Self> {
        Inbounds::new(self.clone())
    }
}

#[cfg(feature = "blocking")]
impl crate::blocking::Client {
    /// Send, inspect and change batches.
    pub fn batches(&self) -> Batches<Self> {
        Batches::new(self.clone())
    }

    /// Delivery reports of batches and recipients.
    pub fn delivery_reports(&self) -> DeliveryReports<Self> {
        DeliveryReports::new(self.clone())
    }

    /// Groups of recipients.
    pub fn groups(&self) -> Groups<Self> {
        Groups::new(self.clone())
    }

    /// Inbound (mobile originated) messages.
    pub fn inbounds(&self) -> Inbounds<Self> {
        Inbounds::new(self.clone())
    }
}
